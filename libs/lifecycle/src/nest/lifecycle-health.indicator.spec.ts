import { LifecycleManager } from '../core/manager/lifecycle-manager.js';
import { ManagedProcess } from '../core/process/managed-process.js';
import { LifecycleHealthIndicator } from './lifecycle-health.indicator.js';
import { ShutdownState } from './shutdown.state.js';

describe('LifecycleHealthIndicator and ShutdownState', () => {
  function setup(): { indicator: LifecycleHealthIndicator; state: ShutdownState; manager: LifecycleManager } {
    const manager = new LifecycleManager().add({ name: 'db', start: async () => {}, stop: async () => {} });
    const state = new ShutdownState();
    return {
      indicator: new LifecycleHealthIndicator(state, manager),
      state,
      manager,
    };
  }

  it('readiness is down until every unit is ready, then up', async () => {
    const { indicator, manager } = setup();
    expect(indicator.readiness()).toEqual({ lifecycle: { status: 'down', state: 'created' } });
    expect(indicator.units()).toEqual({ units: { status: 'down', units: { db: 'created' } } });
    await manager.start();
    expect(indicator.readiness()).toEqual({ lifecycle: { status: 'up', state: 'ready' } });
    expect(indicator.units('parts')).toEqual({ parts: { status: 'up', units: { db: 'ready' } } });
    await manager.stop();
  });

  it('reports a crashed-and-failed process by its own state although the manager saw it ready', async () => {
    const manager = new LifecycleManager();
    const proc = new ManagedProcess({
      name: 'worker',
      command: '/bin/sh',
      args: ['-c', 'exit 1'],
      restart: 'never',
    });
    manager.add(proc);
    const indicator = new LifecycleHealthIndicator(new ShutdownState(), manager);
    const failed = new Promise<void>((resolve) => proc.onTransition((e) => e.to === 'failed' && resolve()));
    await manager.start();
    await failed;
    expect(manager.stateOf('worker')).toBe('ready');
    expect(indicator.units()).toEqual({ units: { status: 'down', units: { worker: 'failed' } } });
    await manager.stop();
  });

  it('begin() flips readiness synchronously, aborts the signal once, and liveness stays up', async () => {
    const { indicator, state, manager } = setup();
    await manager.start();
    expect(state.isShuttingDown).toBe(false);
    expect(state.begin('SIGTERM')).toBe(true);
    expect(state.isShuttingDown).toBe(true);
    expect(state.signal.aborted).toBe(true);
    expect(state.reason).toBe('SIGTERM');
    expect(state.begin('SIGINT')).toBe(false);
    expect(state.reason).toBe('SIGTERM');
    expect(indicator.readiness()).toEqual({ lifecycle: { status: 'down', state: 'shutting-down' } });
    expect(indicator.liveness()).toEqual({ lifecycle: { status: 'up' } });
    await manager.stop();
  });
});
