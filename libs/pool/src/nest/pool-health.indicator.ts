import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { loadOptionalPeer } from '@steward/common';
import type { PoolHealth } from './pool.host.js';
import { PoolNestMessages } from './pool.messages.js';
import { PoolRegistry } from './pool.registry.js';

/** What the indicator needs of a Terminus `HealthIndicatorSession`: Terminus 12 adds `degraded`. */
export interface HealthSessionLike {
  up(data?: Record<string, unknown>): HealthIndicatorResult;
  down(data?: Record<string, unknown>): HealthIndicatorResult;
  degraded?(data?: Record<string, unknown>): HealthIndicatorResult;
}

/**
 * Terminus indicator of the pools, for readiness (never liveness: a dead database must not restart the pod).
 * @nestjs/terminus is an optional peer: it is loaded on the first check, so an app without health checks
 * never needs it.
 */
@Injectable()
export class PoolHealthIndicator {
  private sessions?: Promise<(key: string) => HealthSessionLike>;

  constructor(private readonly registry: PoolRegistry) {}

  /**
   * Health of the pool `name` under the key `pool:<name>`: up, degraded (saturated) or down, and why.
   * No figures: readiness is public, the numbers stay behind the guarded admin routes.
   */
  async check(name: string): Promise<HealthIndicatorResult> {
    const session = (await this.sessionFactory())(`pool:${name}`);
    const host = this.registry.get(name);
    return poolHealthResult(
      session,
      host ? host.health() : { status: 'down', reason: PoolNestMessages.healthNotRegistered },
    );
  }

  /** One check per registered pool, ready for `HealthCheckService.check([...])`. */
  checks(): Array<() => Promise<HealthIndicatorResult>> {
    return this.registry.list().map((host) => () => this.check(host.name));
  }

  private sessionFactory(): Promise<(key: string) => HealthSessionLike> {
    this.sessions ??= loadOptionalPeer<typeof import('@nestjs/terminus')>('@nestjs/terminus').then(
      (terminus) => {
        if (!terminus) return plainSession;
        const service = new terminus.HealthIndicatorService();
        return (key: string) => service.check(key) as unknown as HealthSessionLike;
      },
    );
    return this.sessions;
  }
}

/**
 * One pool's health as a Terminus result, with no figures. Terminus 12 knows 'degraded' (still 200);
 * Terminus 11 has only up and down, so a degraded pool reads up there, with `degraded: true` and the reason.
 */
export function poolHealthResult(
  session: HealthSessionLike,
  { status, reason }: Pick<PoolHealth, 'status' | 'reason'>,
): HealthIndicatorResult {
  const data: Record<string, unknown> = reason === undefined ? {} : { reason };
  if (status === 'down') return session.down(data);
  if (status === 'degraded') {
    return typeof session.degraded === 'function'
      ? session.degraded(data)
      : session.up({ ...data, degraded: true });
  }
  return session.up(data);
}

/** The result shape Terminus builds, for apps that call `check()` without Terminus installed. */
function plainSession(key: string): HealthSessionLike {
  const result =
    (status: string) =>
    (data: Record<string, unknown> = {}) =>
      ({ [key]: { status, ...data } }) as unknown as HealthIndicatorResult;
  return { up: result('up'), down: result('down'), degraded: result('degraded') };
}
