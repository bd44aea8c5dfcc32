import type { Clock, RandomSource } from '@steward/common';
import type { ConnectionBudget } from './connection-budget.interface.js';
import type { PoolEventName } from './pool-events.interface.js';

/** Exponential backoff with full jitter between failed creates. */
export interface CreateRetryOptions {
  /** First backoff ceiling in ms (default 100). */
  baseMs?: number;
  /** Largest backoff ceiling in ms (default 10 000). */
  maxMs?: number;
  /** Growth of the ceiling per consecutive failure (default 2). */
  factor?: number;
}

/** Settings of the adaptive limiter that moves the effective max inside `[min, max]`. */
export interface AdaptiveOptions {
  /** Effective max at start (default `ceil(√max)`, at least `min`: a slow start that grows while it pays). */
  initialLimit?: number;
  /** Fewest leases measured per phase (default 50); noisy lease times get more, up to 20 times as many. */
  windowSamples?: number;
  /** How far a probe phase moves the limit above and below the estimate, as a fraction (default 0.1). */
  probeGain?: number;
  /** Phases the throughput and no-load lease-time filters remember: two cycles of sixteen (default 32). */
  filterPhases?: number;
  /** Multiplier applied on timeouts and memory pressure (default 0.8). */
  backoffRatio?: number;
  /** Heap pressure in [0, 1]; defaults to `heapUsed / heap_size_limit` of this process. */
  memoryProbe?: () => number;
  /** Pressure from which the limit shrinks (default 0.9). */
  memoryHighWatermark?: number;
}

/** Whether `ready()` gives up on the first failed warm-up create or keeps retrying until `acquireTimeoutMs`. */
export type PoolInitialization = 'fail-fast' | 'retry';

/** Which idle resource a borrower gets: the most recently returned (`lifo`, default) or the oldest (`fifo`). */
export type IdleOrder = 'lifo' | 'fifo';

/** Options of a `Pool`; every field has a documented default. */
export interface PoolOptions {
  /** Name used in errors, events and metrics (default 'default'). */
  name?: string;
  /** Resources kept alive even when idle (default 0). */
  min?: number;
  /** Most resources alive or being created (default 10). */
  max?: number;
  /** How long `acquire()` waits before `PoolTimeoutError` (default 30 000 ms). */
  acquireTimeoutMs?: number;
  /** Bound on `factory.create`; a resource that arrives later is destroyed (default 10 000 ms). */
  createTimeoutMs?: number;
  /** Bound on `factory.validate` and on `factory.reset`; a resource that overruns is destroyed (default 5 000 ms). */
  validateTimeoutMs?: number;
  /** Bound on `factory.destroy`; the pool forgets the resource afterwards (default 5 000 ms). */
  destroyTimeoutMs?: number;
  /** Idle resources above `min` are destroyed after this long, checked by `maintain()` (default 600 000 ms; 0 = never). */
  idleTimeoutMs?: number;
  /** Resources are retired after this age, checked by `maintain()`: idle ones at once, borrowed ones on return (default 1 800 000 ms; 0 = never). */
  maxLifetimeMs?: number;
  /** Fraction of `maxLifetimeMs` removed at random once per resource: lifetime in `[(1-j)·max, max]` (default 0.25). */
  lifetimeJitter?: number;
  /** Resources are retired after this many leases (default 0 = unlimited). */
  maxUses?: number;
  /** Idle resources unused this long are validated by `maintain()` (default 0 = off). */
  keepaliveIntervalMs?: number;
  /** Validates an idle resource before lending it (default false). */
  validateOnBorrow?: boolean;
  /** No validation on borrow when the resource was used or validated this recently (default 500 ms). */
  validateSkipWindowMs?: number;
  /** Most queued acquires; one more fails with `PoolExhaustedError` (default unlimited). */
  maxWaiting?: number;
  /** Idle resource order (default 'lifo'). */
  idleOrder?: IdleOrder;
  /** Backoff between failed creates. */
  createRetry?: CreateRetryOptions;
  /** A lease held longer than this raises a 'leak' event, checked by `maintain()` (default 0 = off; captures a stack per acquire). */
  leakDetectionMs?: number;
  /** Destroys a leaked resource and revokes its lease (default false). */
  reclaimLeaks?: boolean;
  /** Moves the effective max inside `[min, max]` from wait, lease time and timeouts (default off). */
  adaptive?: boolean | AdaptiveOptions;
  /** `ready()` behaviour on create failures (default 'fail-fast'). */
  initialization?: PoolInitialization;
  /**
   * Period of the pool's own `maintain()` timer (default 0 = none: a scheduler, e.g. the Nest module, calls
   * `maintain()`; without either, idle timeout, lifetime, keepalive and leak detection never run).
   */
  maintenanceIntervalMs?: number;
  /** Time source for ages, idle times, leases and deadlines (default `performance.now()`). */
  clock?: Clock;
  /** Random source for lifetime jitter and backoff (default `Math.random`). */
  random?: RandomSource;
  /** Called when an event listener throws; the pool itself carries on (default: counted only). */
  onListenerError?: (error: unknown, event: PoolEventName) => void;
  /**
   * A share of a connection budget shared with other replicas (`redisBudget` from `@steward/pool/budget`):
   * a resource is created only under a slot the budget holds, and its slot goes back once its destroy
   * settled. One budget per pool; the pool closes it (default none: `max` alone bounds the pool).
   */
  budget?: ConnectionBudget;
}

/** Options of one `acquire()` call. */
export interface AcquireOptions {
  /** Gives up waiting when this aborts (`PoolAbortedError`); never cancels a create. */
  signal?: AbortSignal;
  /** Overrides `acquireTimeoutMs` for this call; `Infinity` waits without a deadline. */
  timeoutMs?: number;
  /** Higher is served first; FIFO within a priority (default 0). */
  priority?: number;
}

/** Options of `drain()`. */
export interface DrainOptions {
  /** Milliseconds from now after which remaining waiters fail and borrowed resources are destroyed (default none; `Infinity` = none). */
  deadline?: number;
}

/** Pool options with every default filled in. */
export interface ResolvedPoolOptions {
  name: string;
  min: number;
  max: number;
  acquireTimeoutMs: number;
  createTimeoutMs: number;
  validateTimeoutMs: number;
  destroyTimeoutMs: number;
  idleTimeoutMs: number;
  maxLifetimeMs: number;
  lifetimeJitter: number;
  maxUses: number;
  keepaliveIntervalMs: number;
  validateOnBorrow: boolean;
  validateSkipWindowMs: number;
  maxWaiting: number;
  idleOrder: IdleOrder;
  createRetry: { baseMs: number; maxMs: number; factor: number };
  leakDetectionMs: number;
  reclaimLeaks: boolean;
  adaptive: AdaptiveOptions | undefined;
  initialization: PoolInitialization;
  maintenanceIntervalMs: number;
  clock: Clock;
  random: RandomSource;
  onListenerError: ((error: unknown, event: PoolEventName) => void) | undefined;
  budget: ConnectionBudget | undefined;
}
