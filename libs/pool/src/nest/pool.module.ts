import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { LifecycleManager } from '@steward/lifecycle';
import { Pool } from '../core/pool.js';
import type { PoolModuleOptions } from './interfaces/pool-module-options.interface.js';
import { findMaintenanceScheduler } from './maintenance-scheduler.js';
import { PoolCoreModule } from './pool-core.module.js';
import { validatePoolModuleOptions } from './pool-module-options.schema.js';
import { DEFAULT_POOL_NAME } from './pool.constants.js';
import { PoolHost } from './pool.host.js';
import { PoolMetrics } from './pool.metrics.js';
import {
  POOL_ASYNC_OPTIONS_TYPE,
  POOL_MODULE_OPTIONS,
  POOL_OPTIONS_TYPE,
  PoolConfigurableModule,
} from './pool.module-definition.js';
import { PoolRegistry } from './pool.registry.js';
import { getPoolHostToken, getPoolToken, getPoolUnitName } from './pool.tokens.js';

/**
 * Registers one named pool: `PoolModule.forRoot({ name: 'db', factory, ...options })` or `forRootAsync`.
 * The pool is injectable with `@InjectPool(name)`; the default pool also by the `Pool` class.
 */
@Module({})
export class PoolModule extends PoolConfigurableModule {
  /** Registers a pool with options known now; bad options throw here, listing every bad field. */
  static override forRoot(options: typeof POOL_OPTIONS_TYPE): DynamicModule {
    const name = options.name ?? DEFAULT_POOL_NAME;
    const { name: _name, isGlobal: _isGlobal, ...poolOptions } = options;
    validatePoolModuleOptions(name, poolOptions as PoolModuleOptions);
    return withPool(super.forRoot(options), name);
  }

  /** Registers a pool whose options come from a factory, class or existing provider (e.g. `ConfigService`). */
  static override forRootAsync(options: typeof POOL_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withPool(super.forRootAsync(options), options.name ?? DEFAULT_POOL_NAME);
  }
}

function withPool(definition: DynamicModule, name: string): DynamicModule {
  const hostToken = getPoolHostToken(name);
  const poolToken = getPoolToken(name);
  const providers: Provider[] = [
    {
      provide: hostToken,
      // Builds the engine only: no I/O here; warm-up happens in the pool unit's start (or onModuleInit).
      useFactory: async (
        options: PoolModuleOptions,
        registry: PoolRegistry,
        metrics: PoolMetrics,
        moduleRef: ModuleRef,
        lifecycle?: LifecycleManager,
      ) => {
        const scheduler = await findMaintenanceScheduler(moduleRef);
        const host = new PoolHost(name, validatePoolModuleOptions(name, options), scheduler);
        // A duplicate name only warns: its pool still runs on the Nest hooks, but it must not write over
        // the first pool's metric series nor make the lifecycle manager refuse a second unit of that name.
        if (!registry.register(host)) return host;
        // Each engine gets the metrics: an operator's resume replaces the drained one.
        host.onEngine((engine) => host.useMetricsRefresh(metrics.attach(engine)));
        // With LifecycleModule the pool is a unit of the manager: started before and stopped after every
        // unit that injects it (the pool or its host), inside the shutdown deadline. Nest's hooks step aside.
        if (lifecycle) {
          lifecycle.add(
            { name: getPoolUnitName(name), start: (s) => host.start(s), stop: (s) => host.stop(s) },
            { handles: [host, host.pool] },
          );
          host.useLifecycle();
        }
        return host;
      },
      inject: [
        POOL_MODULE_OPTIONS,
        PoolRegistry,
        PoolMetrics,
        ModuleRef,
        { token: LifecycleManager, optional: true },
      ],
    },
    { provide: poolToken, useFactory: (host: PoolHost) => host.pool, inject: [hostToken] },
  ];
  const exports: DynamicModule['exports'] = [poolToken, hostToken];
  if (name === DEFAULT_POOL_NAME) {
    providers.push({ provide: Pool, useExisting: poolToken });
    exports.push(Pool);
  }
  return {
    ...definition,
    imports: [...(definition.imports ?? []), PoolCoreModule],
    providers: [...(definition.providers ?? []), ...providers],
    exports: [...(definition.exports ?? []), ...exports],
  };
}
