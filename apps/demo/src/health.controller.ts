import { Controller, Get, Optional } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '@steward/access';
import { LifecycleHealthIndicator } from '@steward/lifecycle';
import { PoolHealthIndicator } from '@steward/pool';

/** Kubernetes probes: liveness says the process works, readiness says it can serve traffic now. */
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly pools: PoolHealthIndicator,
    // Present when the app imports LifecycleModule: readiness then turns 503 the instant a shutdown begins.
    @Optional() private readonly lifecycle?: LifecycleHealthIndicator,
  ) {}

  /** Never depends on a pool: a database outage must not make Kubernetes restart the pod. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Every pool and the shutdown state: 503 when a pool cannot serve or the app is shutting down, 200 with
   * `degraded` when a pool is saturated or optional and down.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    const lifecycle = this.lifecycle;
    return this.health.check([...(lifecycle ? [() => lifecycle.readiness()] : []), ...this.pools.checks()]);
  }
}
