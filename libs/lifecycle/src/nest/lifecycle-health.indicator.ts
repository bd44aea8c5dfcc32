import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { LifecycleManager } from '../core/manager/lifecycle-manager.js';
import { ShutdownState } from './shutdown.state.js';

/**
 * Terminus indicators: `readiness()` is down while starting or shutting down, `units()` reports each
 * unit's state and is down when one is not ready; `liveness()` stays up through a shutdown (a restart
 * would only cut the drain short).
 */
@Injectable()
export class LifecycleHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly manager: LifecycleManager,
  ) {}

  /** Down from the first instant of a shutdown, and until every unit has started. */
  readiness<const Key extends string = 'lifecycle'>(
    key: Key = 'lifecycle' as Key,
  ): HealthIndicatorResult<Key> {
    const check = this.health.check(key);
    if (this.shutdown.isShuttingDown) return check.down({ state: 'shutting-down' });
    if (this.manager.state !== 'ready') return check.down({ state: this.manager.state });
    return check.up({ state: 'ready' });
  }

  /** Each unit and process by name with its state; down when any is not `ready`. */
  units<const Key extends string = 'units'>(key: Key = 'units' as Key): HealthIndicatorResult<Key> {
    const check = this.health.check(key);
    const units = this.manager.units();
    const states = Object.fromEntries(units.map((u) => [u.name, u.state]));
    return units.every((u) => u.state === 'ready')
      ? check.up({ units: states })
      : check.down({ units: states });
  }

  /** Up while the process runs, shutdown included. */
  liveness<const Key extends string = 'lifecycle'>(
    key: Key = 'lifecycle' as Key,
  ): HealthIndicatorResult<Key> {
    return this.health.check(key).up();
  }
}
