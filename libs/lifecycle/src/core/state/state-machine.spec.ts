import { jest } from '@jest/globals';
import { IllegalTransitionError } from './lifecycle.errors.js';
import { PROCESS_TRANSITIONS, UNIT_TRANSITIONS } from './lifecycle.state.js';
import { StateMachine, type TransitionEvent } from './state-machine.js';

describe('StateMachine', () => {
  it('walks the unit path and emits one event per transition', () => {
    const machine = new StateMachine('db', UNIT_TRANSITIONS);
    const events: TransitionEvent[] = [];
    machine.onTransition((e) => events.push(e));
    for (const to of ['starting', 'ready', 'draining', 'stopping', 'stopped'] as const)
      machine.transition(to);
    expect(machine.state).toBe('stopped');
    expect(events.map((e) => `${e.from}->${e.to}`)).toEqual([
      'created->starting',
      'starting->ready',
      'ready->draining',
      'draining->stopping',
      'stopping->stopped',
    ]);
    expect(events.every((e) => e.subject === 'db')).toBe(true);
  });

  it('throws a typed error on an illegal transition and keeps its state', () => {
    const machine = new StateMachine('db', UNIT_TRANSITIONS);
    const listener = jest.fn();
    machine.onTransition(listener);
    let caught: unknown;
    try {
      machine.transition('ready');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    expect(caught).toMatchObject({ code: 'LIFECYCLE_ILLEGAL_TRANSITION', from: 'created', to: 'ready' });
    expect((caught as Error).message).toBe('db: illegal transition created → ready');
    expect(machine.state).toBe('created');
    expect(listener).not.toHaveBeenCalled();
    // Terminal states of a plain unit have no way out; processes may start again.
    machine.transition('stopped');
    expect(machine.can('starting')).toBe(false);
    expect(new StateMachine('p', PROCESS_TRANSITIONS, 'stopped').can('starting')).toBe(true);
  });

  it('walks the process crash path and carries the cause', () => {
    const machine = new StateMachine('worker', PROCESS_TRANSITIONS);
    const events: TransitionEvent[] = [];
    const off = machine.onTransition((e) => events.push(e));
    const crash = new Error('exit 1');
    machine.transition('starting');
    machine.transition('ready');
    machine.transition('crashed', crash);
    machine.transition('backoff');
    machine.transition('restarting');
    machine.transition('ready');
    off();
    machine.transition('stopping');
    expect(events.map((e) => e.to)).toEqual([
      'starting',
      'ready',
      'crashed',
      'backoff',
      'restarting',
      'ready',
    ]);
    expect(events[2]!.error).toBe(crash);
    expect(() => new StateMachine('u', UNIT_TRANSITIONS, 'ready').transition('crashed')).toThrow(
      IllegalTransitionError,
    );
  });

  it('a throwing listener neither breaks the transition nor silences the others', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const machine = new StateMachine('db', UNIT_TRANSITIONS);
      const second = jest.fn();
      machine.onTransition(() => {
        throw new Error('observer bug');
      });
      machine.onTransition(second);
      machine.transition('starting');
      expect(machine.state).toBe('starting');
      expect(second).toHaveBeenCalledTimes(1);
      expect(emitWarning).toHaveBeenCalledWith(expect.stringContaining('observer bug'), expect.anything());
    } finally {
      emitWarning.mockRestore();
    }
  });
});
