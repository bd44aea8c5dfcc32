import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { LifecycleManager } from '../core/manager/lifecycle-manager.js';
import { ManagedProcess } from '../core/process/managed-process.js';
import type { LifecycleState } from '../core/state/lifecycle.state.js';
import { ShutdownState } from './shutdown.state.js';

/**
 * Terminus indicators: `readiness()` is down while starting or shutting down, `units()` reports each
 * unit's state and is down when one is not ready; `liveness()` stays up through a shutdown (a restart
 * would only cut the drain short). The results have Terminus's shape (`{ [key]: { status, ...data } }`,
 * the same in Terminus 11 and 12) and are built here, so @nestjs/terminus is needed only by the app
 * that serves them.
 */
@Injectable()
export class LifecycleHealthIndicator {
  constructor(
    private readonly shutdown: ShutdownState,
    private readonly manager: LifecycleManager,
  ) {}

  /** Down from the first instant of a shutdown, and until every unit has started. */
  readiness<const Key extends string = 'lifecycle'>(
    key: Key = 'lifecycle' as Key,
  ): HealthIndicatorResult<Key> {
    const check = session(key);
    if (this.shutdown.isShuttingDown) return check.down({ state: 'shutting-down' });
    if (this.manager.state !== 'ready') return check.down({ state: this.manager.state });
    return check.up({ state: 'ready' });
  }

  /** Each unit and process by name with its state; down when any is not `ready`. */
  units<const Key extends string = 'units'>(key: Key = 'units' as Key): HealthIndicatorResult<Key> {
    const check = session(key);
    const states: Record<string, LifecycleState> = {};
    for (const { name, state } of this.manager.units()) {
      const unit = this.manager.unit(name);
      // A process can crash, back off or fail long after the manager saw it ready.
      states[name] = unit instanceof ManagedProcess ? unit.state : state;
    }
    const allReady = Object.values(states).every((s) => s === 'ready');
    return allReady ? check.up({ units: states }) : check.down({ units: states });
  }

  /** Up while the process runs, shutdown included. */
  liveness<const Key extends string = 'lifecycle'>(
    key: Key = 'lifecycle' as Key,
  ): HealthIndicatorResult<Key> {
    return session(key).up();
  }
}

/** Terminus's `HealthIndicatorService.check(key)`, without loading Terminus. */
function session<Key extends string>(key: Key) {
  const result =
    <S extends 'up' | 'down'>(status: S) =>
    (data: Record<string, unknown> = {}): HealthIndicatorResult<Key> =>
      ({ [key]: { status, ...data } }) as unknown as HealthIndicatorResult<Key>;
  return { up: result('up'), down: result('down') };
}
