import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { PoolNestMessages } from './pool.messages.js';
import { PoolRegistry } from './pool.registry.js';

/** Terminus indicator of the pools, for readiness (never liveness: a dead database must not restart the pod). */
@Injectable()
export class PoolHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly registry: PoolRegistry,
  ) {}

  /**
   * Health of the pool `name` under the key `pool:<name>`: up, degraded (saturated) or down, and why.
   * No figures: readiness is public, the numbers stay behind the guarded admin routes.
   */
  async check(name: string): Promise<HealthIndicatorResult> {
    const key = `pool:${name}`;
    const session = this.indicators.check(key);
    const host = this.registry.get(name);
    if (!host) return session.down({ reason: PoolNestMessages.healthNotRegistered });
    const { status, reason } = host.health();
    const data: Record<string, unknown> = reason === undefined ? {} : { reason };
    if (status === 'down') return session.down(data);
    if (status === 'degraded') {
      // Terminus 12 knows 'degraded' (still 200); Terminus 11 has only up and down: up, with the reason.
      return typeof session.degraded === 'function'
        ? session.degraded(data)
        : session.up({ ...data, degraded: true });
    }
    return session.up(data);
  }

  /** One check per registered pool, ready for `HealthCheckService.check([...])`. */
  checks(): Array<() => Promise<HealthIndicatorResult>> {
    return this.registry.list().map((host) => () => this.check(host.name));
  }
}
