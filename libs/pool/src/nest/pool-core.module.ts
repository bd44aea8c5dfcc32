import { Global, Module } from '@nestjs/common';
import { PoolHealthIndicator } from './pool-health.indicator.js';
import { PoolMetrics, poolMetricProviders } from './pool.metrics.js';
import { PoolRegistry } from './pool.registry.js';

/**
 * What every pool registration shares, once per application: the registry, the metrics, the health
 * indicator. No TerminusModule here: the indicator loads @nestjs/terminus only when an app checks health.
 */
@Global()
@Module({
  providers: [PoolRegistry, PoolMetrics, PoolHealthIndicator, ...poolMetricProviders],
  exports: [PoolRegistry, PoolMetrics, PoolHealthIndicator],
})
export class PoolCoreModule {}
