import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { PoolHealthIndicator } from '@steward/pool';

/** Kubernetes probes: liveness says the process works, readiness says it can serve traffic now. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly pools: PoolHealthIndicator,
  ) {}

  /** Never depends on a pool: a database outage must not make Kubernetes restart the pod. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Every pool: 503 when one cannot serve, 200 with `degraded` when one is saturated or optional and down. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.pools.checks());
  }
}
