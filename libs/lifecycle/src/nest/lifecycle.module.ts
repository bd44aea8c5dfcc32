import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LifecycleManager } from '../core/manager/lifecycle-manager.js';
import type { LifecycleModuleOptions } from './interfaces/lifecycle-module-options.interface.js';
import type { ResolvedLifecycleOptions } from './interfaces/lifecycle-module-options.interface.js';
import { LIFECYCLE_RESOLVED_OPTIONS } from './lifecycle.constants.js';
import { LifecycleHealthIndicator } from './lifecycle-health.indicator.js';
import { LifecycleMetrics, lifecycleMetricProviders } from './lifecycle.metrics.js';
import {
  ConfigurableLifecycleModule,
  LIFECYCLE_ASYNC_OPTIONS_TYPE,
  LIFECYCLE_MODULE_OPTIONS,
  LIFECYCLE_OPTIONS_TYPE,
} from './lifecycle.module-definition.js';
import { resolveLifecycleOptions } from './lifecycle.options.js';
import { LifecycleService } from './lifecycle.service.js';
import { ShutdownState } from './shutdown.state.js';

const EXPORTS = [
  LifecycleManager,
  ShutdownState,
  LifecycleHealthIndicator,
  LifecycleService,
  LIFECYCLE_RESOLVED_OPTIONS,
];

/**
 * The lifecycle in a Nest app: `LifecycleModule.forRoot({ shutdown: { delayMs, drainTimeoutMs, deadlineMs } })`.
 * Pair it with `enableLifecycleShutdown(app)` in `main.ts` for signals and the exit status.
 */
@Module({})
export class LifecycleModule extends ConfigurableLifecycleModule {
  /** Registers the module with static options. */
  static override forRoot(options: typeof LIFECYCLE_OPTIONS_TYPE = {}): DynamicModule {
    return withProviders(super.forRoot(options), options.metrics === true);
  }

  /** Registers the module with options from a factory (e.g. `ConfigService`). */
  static override forRootAsync(options: typeof LIFECYCLE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withProviders(super.forRootAsync(options), options.metrics === true);
  }
}

function withProviders(definition: DynamicModule, metrics: boolean): DynamicModule {
  return {
    ...definition,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    providers: [
      ...(definition.providers ?? []),
      {
        provide: LIFECYCLE_RESOLVED_OPTIONS,
        inject: [LIFECYCLE_MODULE_OPTIONS],
        useFactory: (options: LifecycleModuleOptions) => resolveLifecycleOptions(options),
      },
      {
        provide: LifecycleManager,
        inject: [LIFECYCLE_RESOLVED_OPTIONS],
        useFactory: (options: ResolvedLifecycleOptions) =>
          new LifecycleManager({
            startTimeoutMs: options.startTimeoutMs,
            stopTimeoutMs: options.stopTimeoutMs,
            stopDeadlineMs: options.unitStopBudgetMs,
          }),
      },
      ShutdownState,
      LifecycleService,
      LifecycleMetrics,
      LifecycleHealthIndicator,
      ...(metrics ? lifecycleMetricProviders() : []),
    ],
    exports: [...(definition.exports ?? []), ...EXPORTS],
  };
}
