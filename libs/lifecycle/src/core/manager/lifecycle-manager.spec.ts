import { jest } from '@jest/globals';
import type { LifecycleUnit } from '../interfaces/lifecycle-unit.interface.js';
import {
  IllegalTransitionError,
  LifecycleStopError,
  StartAbortedError,
  UnitRegistrationError,
  UnitStartError,
  UnitTimeoutError,
} from '../state/lifecycle.errors.js';
import type { TransitionEvent } from '../state/state-machine.js';
import { LifecycleManager } from './lifecycle-manager.js';

type Hook = (signal: AbortSignal) => Promise<void>;

/** A unit that logs `start:x` / `stop:x` and runs the given hooks. */
function unit(
  name: string,
  log: string[],
  options: { dependsOn?: string[]; start?: Hook; stop?: Hook } = {},
): LifecycleUnit & { startSignal?: AbortSignal; stopSignal?: AbortSignal } {
  const self: LifecycleUnit & { startSignal?: AbortSignal; stopSignal?: AbortSignal } = {
    name,
    dependsOn: options.dependsOn,
    async start(signal) {
      self.startSignal = signal;
      log.push(`start:${name}`);
      await options.start?.(signal);
    },
    async stop(signal) {
      self.stopSignal = signal;
      log.push(`stop:${name}`);
      await options.stop?.(signal);
    },
  };
  return self;
}

/** A promise that settles only when the signal aborts (a cooperative hang). */
const untilAborted: Hook = (signal) =>
  new Promise((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );

/** A promise that never settles (an uncooperative hang). */
const forever: Hook = () => new Promise(() => undefined);

/** u1 ← u2 ← u3 ← u4 ← u5: each depends on the previous one. */
function chain(
  manager: LifecycleManager,
  log: string[],
  hooks: Record<string, { start?: Hook; stop?: Hook }> = {},
): void {
  for (let i = 1; i <= 5; i++) {
    manager.add(unit(`u${i}`, log, { dependsOn: i > 1 ? [`u${i - 1}`] : [], ...hooks[`u${i}`] }));
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

afterEach(() => {
  jest.useRealTimers();
});

describe('LifecycleManager start', () => {
  it('starts in dependency order, independent units in parallel, and reports ready', async () => {
    const log: string[] = [];
    const gates: Record<string, () => void> = {};
    const gated: (n: string) => Hook = (n) => () => new Promise((resolve) => (gates[n] = resolve));
    const manager = new LifecycleManager()
      .add(unit('db', log, { start: gated('db') }))
      .add(unit('cache', log, { start: gated('cache') }))
      .add(unit('api', log, { dependsOn: ['db', 'cache'] }));
    const started = manager.start();
    await Promise.resolve();
    await Promise.resolve();
    // Both independent units are starting at once; api waits for both.
    expect(log).toEqual(['start:db', 'start:cache']);
    gates.db!();
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['start:db', 'start:cache']);
    gates.cache!();
    await started;
    expect(log).toEqual(['start:db', 'start:cache', 'start:api']);
    expect(manager.state).toBe('ready');
    expect(manager.units().map((u) => u.state)).toEqual(['ready', 'ready', 'ready']);
    await manager.stop();
    expect(log.slice(3)).toEqual(['stop:api', 'stop:cache', 'stop:db']);
  });

  it('item 1: the 3rd of 5 throws; 2 then 1 stop with a fresh deadline, 4 and 5 never start', async () => {
    jest.useFakeTimers();
    const log: string[] = [];
    const initError = new Error('u3 cannot connect');
    const cleanupError = new Error('u1 cleanup failed');
    const stopSignals: AbortSignal[] = [];
    const manager = new LifecycleManager({ stopDeadlineMs: 1_000, startTimeoutMs: 5_000 });
    chain(manager, log, {
      // u1 and u2 take most of the start budget: the rollback must still get a whole stop deadline.
      u1: {
        start: () => new Promise((r) => setTimeout(r, 900)),
        stop: async (s) => {
          stopSignals.push(s);
          throw cleanupError;
        },
      },
      u2: {
        start: () => new Promise((r) => setTimeout(r, 900)),
        stop: (s) => {
          stopSignals.push(s);
          return new Promise((r) => setTimeout(r, 900));
        },
      },
      u3: { start: async () => Promise.reject(initError) },
    });
    const started = manager.start();
    const errorPromise = rejection(started);
    await jest.advanceTimersByTimeAsync(1_800);
    // u2's stop (900 ms) runs inside the fresh 1 000 ms deadline, although 1 800 ms have passed since start.
    await jest.advanceTimersByTimeAsync(900);
    const error = (await errorPromise) as UnitStartError;

    expect(log).toEqual(['start:u1', 'start:u2', 'start:u3', 'stop:u2', 'stop:u1']);
    expect(error).toBeInstanceOf(UnitStartError);
    expect(error.code).toBe('LIFECYCLE_START_FAILED');
    expect(error.unit).toBe('u3');
    expect(error.cause).toBe(initError);
    expect(error.cleanupErrors.map((e) => [e.unit, e.cause])).toEqual([['u1', cleanupError]]);
    expect(stopSignals.every((s) => !s.aborted)).toBe(true);
    expect(manager.units().map((u) => u.state)).toEqual([
      'failed',
      'stopped',
      'failed',
      'created',
      'created',
    ]);
    expect(manager.state).toBe('failed');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('item 3: a start past its timeout rejects naming the unit, aborts its signal, and rolls back', async () => {
    jest.useFakeTimers();
    const log: string[] = [];
    const manager = new LifecycleManager({ startTimeoutMs: 1_000 });
    manager.add(unit('db', log)).add(unit('slow', log, { dependsOn: ['db'], start: untilAborted }));
    const slow = manager.units()[1]!;
    const errorPromise = rejection(manager.start());
    await jest.advanceTimersByTimeAsync(999);
    expect(log).toEqual(['start:db', 'start:slow']);
    await jest.advanceTimersByTimeAsync(1);
    const error = (await errorPromise) as UnitStartError;
    expect(error).toBeInstanceOf(UnitStartError);
    expect(error.unit).toBe('slow');
    expect(error.message).toContain("'slow'");
    expect(error.cause).toBeInstanceOf(UnitTimeoutError);
    expect((error.cause as UnitTimeoutError).code).toBe('LIFECYCLE_START_TIMEOUT');
    // db rolled back; slow gave up on the abort, so there was nothing of it to stop.
    expect(log).toEqual(['start:db', 'start:slow', 'stop:db']);
    expect(manager.stateOf('db')).toBe('stopped');
    expect(manager.stateOf('slow')).toBe('stopped');
    expect(slow.name).toBe('slow');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops a unit whose start completed after its timeout', async () => {
    jest.useFakeTimers();
    const log: string[] = [];
    const manager = new LifecycleManager({ startTimeoutMs: 100 });
    // Ignores the abort and finishes late: it holds resources, so the rollback must stop it.
    manager.add(unit('late', log, { start: () => new Promise((r) => setTimeout(r, 150)) }));
    const errorPromise = rejection(manager.start());
    await jest.advanceTimersByTimeAsync(150);
    const error = (await errorPromise) as UnitStartError;
    expect(error.unit).toBe('late');
    expect(log).toEqual(['start:late', 'stop:late']);
    expect(manager.stateOf('late')).toBe('stopped');
  });

  it('issue 12 finding 5: a start that finishes after its rollback gave up is stopped when it finishes', async () => {
    jest.useFakeTimers();
    const log: string[] = [];
    const manager = new LifecycleManager({ startTimeoutMs: 200, stopTimeoutMs: 300 });
    // Ignores every signal and takes 1.5 s: the rollback waits 300 ms for it, then gives up.
    manager.add(unit('late', log, { start: () => new Promise((r) => setTimeout(r, 1_500)) }));
    const errorPromise = rejection(manager.start());
    await jest.advanceTimersByTimeAsync(500);
    const error = (await errorPromise) as UnitStartError;
    expect(error.unit).toBe('late');
    expect(error.cleanupErrors.map((e) => e.unit)).toEqual(['late']);
    expect(log).toEqual(['start:late']);
    expect(manager.busyUnits()).toEqual([]);

    await jest.advanceTimersByTimeAsync(1_000);
    expect(log).toEqual(['start:late', 'stop:late']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a stop that timed out after its start settled is not run a second time', async () => {
    jest.useFakeTimers();
    const log: string[] = [];
    const manager = new LifecycleManager({ stopTimeoutMs: 100 });
    manager.add(unit('slow', log, { stop: () => new Promise((r) => setTimeout(r, 1_000)) }));
    await manager.start();
    const stopped = rejection(manager.stop());
    await jest.advanceTimersByTimeAsync(2_000);
    expect(await stopped).toBeInstanceOf(LifecycleStopError);
    expect(log).toEqual(['start:slow', 'stop:slow']);
  });

  it('unitOf names the unit an object is or stands for', () => {
    const log: string[] = [];
    const handle = {};
    const u = unit('db', log);
    const manager = new LifecycleManager().add(u, { handles: [handle] });
    expect(manager.unitOf(u)).toBe('db');
    expect(manager.unitOf(handle)).toBe('db');
    expect(manager.unitOf({})).toBeUndefined();
    expect(manager.unitOf(undefined)).toBeUndefined();
  });

  it('aborts the in-flight start of a sibling when another unit fails', async () => {
    const log: string[] = [];
    const sibling = unit('sibling', log, { start: untilAborted });
    const manager = new LifecycleManager()
      .add(sibling)
      .add(unit('broken', log, { start: async () => Promise.reject(new Error('boom')) }))
      .add(unit('after', log, { dependsOn: ['sibling'] }));
    const error = (await rejection(manager.start())) as UnitStartError;
    expect(error.unit).toBe('broken');
    expect(sibling.startSignal?.aborted).toBe(true);
    expect(log).toEqual(['start:sibling', 'start:broken']);
    expect(manager.stateOf('after')).toBe('created');
  });

  it('rejects an unknown dependency, a cycle, a duplicate and an add after start', async () => {
    const log: string[] = [];
    const unknown = new LifecycleManager().add(unit('a', log, { dependsOn: ['ghost'] }));
    await expect(unknown.start()).rejects.toThrow("depends on 'ghost'");
    const cycle = new LifecycleManager()
      .add(unit('a', log, { dependsOn: ['b'] }))
      .add(unit('b', log, { dependsOn: ['a'] }));
    await expect(cycle.start()).rejects.toThrow('dependency cycle: a → b → a');
    const manager = new LifecycleManager().add(unit('a', log));
    expect(() => manager.add(unit('a', log))).toThrow(UnitRegistrationError);
    await manager.start();
    expect(() => manager.add(unit('b', log))).toThrow(UnitRegistrationError);
    expect(log).toEqual(['start:a']);
    await manager.stop();
  });

  it('an external abort during start stops only what started, in reverse', async () => {
    const log: string[] = [];
    const shutdown = new AbortController();
    const manager = new LifecycleManager();
    chain(manager, log, { u3: { start: untilAborted } });
    const errorPromise = rejection(manager.start(shutdown.signal));
    await new Promise((r) => setImmediate(r));
    shutdown.abort(new Error('SIGTERM'));
    const error = (await errorPromise) as StartAbortedError;
    expect(error).toBeInstanceOf(StartAbortedError);
    expect(error.code).toBe('LIFECYCLE_START_ABORTED');
    expect(log).toEqual(['start:u1', 'start:u2', 'start:u3', 'stop:u2', 'stop:u1']);
  });

  it('rejects bad timeouts at construction and at add', () => {
    expect(() => new LifecycleManager({ startTimeoutMs: 0, stopDeadlineMs: -5 })).toThrow(
      /startTimeoutMs[\s\S]*stopDeadlineMs/,
    );
    expect(() => new LifecycleManager().add(unit('a', []), { stopTimeoutMs: 1.5 })).toThrow(/stopTimeoutMs/);
  });

  it('start after stop is an illegal transition', async () => {
    const manager = new LifecycleManager();
    await manager.stop();
    expect(manager.state).toBe('stopped');
    await expect(manager.start()).rejects.toBeInstanceOf(IllegalTransitionError);
  });
});

describe('LifecycleManager stop', () => {
  it('item 2: stops of 4 and 2 throw; all five run 5→1 and one error lists both', async () => {
    const log: string[] = [];
    const e4 = new Error('u4 flush failed');
    const e2 = new Error('u2 close failed');
    const manager = new LifecycleManager();
    chain(manager, log, {
      u4: { stop: async () => Promise.reject(e4) },
      u2: {
        stop: () => {
          throw e2; // a synchronous throw counts too
        },
      },
    });
    await manager.start();
    log.length = 0;
    const error = (await rejection(manager.stop())) as LifecycleStopError;
    expect(log).toEqual(['stop:u5', 'stop:u4', 'stop:u3', 'stop:u2', 'stop:u1']);
    expect(error).toBeInstanceOf(LifecycleStopError);
    expect(error.code).toBe('LIFECYCLE_STOP_FAILED');
    expect(error.errors.map((e) => e.unit)).toEqual(['u4', 'u2']);
    expect(error.errors.map((e) => e.cause)).toEqual([e4, e2]);
    expect(error.cause).toBe(e4);
    expect(error.message).toBe(
      "2 units failed to stop: unit 'u4' failed to stop: u4 flush failed; unit 'u2' failed to stop: u2 close failed",
    );
    expect(manager.units().map((u) => u.state)).toEqual([
      'stopped',
      'failed',
      'stopped',
      'failed',
      'stopped',
    ]);
  });

  it('item 4: a hanging stop is aborted at its timeout and the remaining stops still run', async () => {
    jest.useFakeTimers();
    const log: string[] = [];
    const manager = new LifecycleManager({ stopTimeoutMs: 500 });
    chain(manager, log, { u3: { stop: forever } });
    await manager.start();
    log.length = 0;
    const errorPromise = rejection(manager.stop());
    await jest.advanceTimersByTimeAsync(499);
    expect(log).toEqual(['stop:u5', 'stop:u4', 'stop:u3']);
    const u3Signal = (
      manager as unknown as { entries: Map<string, { unit: { stopSignal?: AbortSignal } }> }
    ).entries.get('u3')!.unit.stopSignal!;
    expect(u3Signal.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const error = (await errorPromise) as LifecycleStopError;
    expect(u3Signal.aborted).toBe(true);
    expect(log).toEqual(['stop:u5', 'stop:u4', 'stop:u3', 'stop:u2', 'stop:u1']);
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]!.unit).toBe('u3');
    expect((error.errors[0]!.cause as UnitTimeoutError).code).toBe('LIFECYCLE_STOP_TIMEOUT');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('the global deadline cuts off every hung stop and still calls the rest with an aborted signal', async () => {
    jest.useFakeTimers();
    const log: string[] = [];
    const manager = new LifecycleManager({ stopTimeoutMs: 10_000, stopDeadlineMs: 1_000 });
    const last = unit('u1', log, { stop: untilAborted });
    manager.add(last);
    for (let i = 2; i <= 3; i++) {
      manager.add(unit(`u${i}`, log, { dependsOn: [`u${i - 1}`], stop: i === 3 ? forever : undefined }));
    }
    await manager.start();
    log.length = 0;
    const errorPromise = rejection(manager.stop());
    await jest.advanceTimersByTimeAsync(1_000);
    const error = (await errorPromise) as LifecycleStopError;
    expect(log).toEqual(['stop:u3', 'stop:u2', 'stop:u1']);
    expect(last.stopSignal?.aborted).toBe(true);
    expect(error.errors.map((e) => [e.unit, (e.cause as UnitTimeoutError).code])).toEqual([
      ['u3', 'LIFECYCLE_STOP_DEADLINE'],
      ['u2', 'LIFECYCLE_STOP_DEADLINE'],
      ['u1', 'LIFECYCLE_STOP_DEADLINE'],
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('item 5: stop() twice or concurrently runs once and returns the same promise', async () => {
    const log: string[] = [];
    let release!: () => void;
    const manager = new LifecycleManager().add(
      unit('a', log, { stop: () => new Promise<void>((r) => (release = r)) }),
    );
    await manager.start();
    const first = manager.stop();
    const second = manager.stop();
    const disposed = manager[Symbol.asyncDispose]();
    expect(second).toBe(first);
    expect(disposed).toBe(first);
    await new Promise((r) => setImmediate(r));
    release();
    await first;
    expect(manager.stop()).toBe(first);
    expect(log).toEqual(['start:a', 'stop:a']);
  });

  it('stop() during start cancels the start and stops what started', async () => {
    const log: string[] = [];
    const manager = new LifecycleManager();
    chain(manager, log, { u2: { start: untilAborted } });
    const startError = rejection(manager.start());
    await new Promise((r) => setImmediate(r));
    await manager.stop();
    expect(await startError).toBeInstanceOf(StartAbortedError);
    expect(log).toEqual(['start:u1', 'start:u2', 'stop:u1']);
    expect(manager.state).toBe('stopped');
  });

  it('emits every transition, and a throwing listener changes nothing', async () => {
    const events: TransitionEvent[] = [];
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const manager = new LifecycleManager({ name: 'app' }).add(unit('a', []));
      manager.onTransition(() => {
        throw new Error('observer bug');
      });
      const off = manager.onTransition((e) => events.push(e));
      await manager.start();
      await manager.stop();
      off();
      expect(events.map((e) => `${e.subject}:${e.from}->${e.to}`)).toEqual([
        'app:created->starting',
        'a:created->starting',
        'a:starting->ready',
        'app:starting->ready',
        'app:ready->stopping',
        'a:ready->stopping',
        'a:stopping->stopped',
        'app:stopping->stopped',
      ]);
      expect(emitWarning).toHaveBeenCalledWith(expect.stringContaining('observer bug'), expect.anything());
    } finally {
      emitWarning.mockRestore();
    }
  });
});
