import type { PoolOptions } from '../../core/interfaces/pool-options.interface.js';
import type { ResourceFactory } from '../../core/interfaces/resource-factory.interface.js';

/** What `PoolModule.forRoot` / `forRootAsync`'s factory provide: the engine options plus the Nest-side knobs. */
export interface PoolModuleOptions<T = unknown> extends Omit<PoolOptions, 'name'> {
  /** Makes, checks and disposes of the resources. Building it must do no I/O. */
  factory: ResourceFactory<T>;
  /** Wait at startup until `min` resources exist (default true when `min > 0`): in the pool unit's start with LifecycleModule, else in `onModuleInit`. */
  warmUp?: boolean;
  /** Period of the `maintain()` pass run by the module (default 10 000 ms; 0 = none). */
  maintenanceIntervalMs?: number;
  /** Bound on the graceful drain at shutdown; the pool closes anyway afterwards (default 10 000 ms). */
  drainTimeoutMs?: number;
  /** Readiness reports `degraded` when more acquires than this wait (default: the current `max`). */
  degradedWaiting?: number;
  /** The app works without this pool (e.g. a cache): readiness reports `degraded` instead of `down`. */
  optional?: boolean;
}

/** Static registration settings: known when the module is declared, before any factory runs. */
export interface PoolModuleExtras {
  /** The pool's name: token, metrics label, health key (default `default`). */
  name: string;
  /** Register the pool's token globally (default false). */
  isGlobal: boolean;
}
