import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { raceAbort } from '@steward/common';
import type { LifecycleUnit } from '@steward/lifecycle';
import type { PoolStats } from '../core/interfaces/pool-stats.interface.js';
import { Pool } from '../core/pool.js';
import type { PoolModuleOptions } from './interfaces/pool-module-options.interface.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_MAINTENANCE_INTERVAL_MS } from './pool.constants.js';
import { PoolNestMessages } from './pool.messages.js';
import { getPoolMaintenanceName } from './pool.tokens.js';
import { poolHandle } from './pool-handle.js';
import { PoolResumeError } from './pool-host.errors.js';
import type { MaintenanceScheduler } from './maintenance-scheduler.js';

/** How a pool is doing, as readiness sees it. */
export interface PoolHealth {
  status: 'up' | 'degraded' | 'down';
  reason?: string;
  stats: Omit<PoolStats, 'lastCreateError'>;
}

/**
 * One registered pool inside Nest: builds the engine (no I/O), warms it up, runs its maintenance, and
 * drains then closes it at shutdown. With LifecycleModule it is a unit of the lifecycle manager, which
 * starts and stops it in dependency order inside the shutdown deadline, and its Nest hooks do nothing;
 * without it, Nest's own hooks run it (warm-up in `onModuleInit`, drain in `onApplicationShutdown`).
 */
export class PoolHost<T = unknown>
  implements
    OnModuleInit,
    OnApplicationBootstrap,
    BeforeApplicationShutdown,
    OnApplicationShutdown,
    LifecycleUnit
{
  /** What `@InjectPool(name)` resolves to: the engine serving now, the same object across a resume. */
  readonly pool: Pool<T>;
  /** The factory's verdict that an error means the resource itself died (e.g. a terminated connection). */
  readonly isBroken: (error: unknown) => boolean;
  private readonly warmUp: boolean;
  private readonly maintenanceIntervalMs: number;
  private readonly drainTimeoutMs: number;
  /** Undefined: the pool's current `max`, which an operator may resize at runtime. */
  private readonly degradedWaiting: number | undefined;
  private readonly optional: boolean;
  private readonly logger = new Logger('PoolModule');
  private maintenanceTimer: ReturnType<typeof setInterval> | undefined = undefined;
  private maintaining = false;
  private lastCreateFailed = false;
  private stopping: Promise<void> | undefined = undefined;
  private refreshMetrics: () => void = () => undefined;
  /** True once a lifecycle manager runs this pool: the Nest hooks then leave it alone. */
  private managed = false;
  private readonly afterCloseCallbacks: Array<() => Promise<void> | void> = [];
  /** The engine serving now; an operator's resume replaces a drained one. */
  private engine: Pool<T>;
  private readonly newEngine: () => Pool<T>;
  private readonly engineListeners: Array<(engine: Pool<T>) => void> = [];
  private drainedByOperator = false;

  constructor(
    readonly name: string,
    options: PoolModuleOptions<T>,
    private readonly scheduler?: MaintenanceScheduler,
  ) {
    const { factory, warmUp, maintenanceIntervalMs, drainTimeoutMs, degradedWaiting, optional, ...engine } =
      options;
    // The module drives maintenance itself so that it can stop the timer before shutdown.
    this.newEngine = () => new Pool<T>(factory, { ...engine, name, maintenanceIntervalMs: 0 });
    this.engine = this.newEngine();
    this.watch(this.engine);
    this.pool = poolHandle(() => this.engine);
    this.isBroken = (error) => factory.isBroken?.(error) === true;
    const min = engine.min ?? 0;
    this.warmUp = warmUp ?? min > 0;
    this.maintenanceIntervalMs = maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_INTERVAL_MS;
    this.drainTimeoutMs = drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
    this.degradedWaiting = degradedWaiting;
    this.optional = optional ?? false;
  }

  /** Calls `listener` with the engine now and with every fresh engine after a resume (metrics attach here). */
  onEngine(listener: (engine: Pool<T>) => void): void {
    this.engineListeners.push(listener);
    listener(this.engine);
  }

  /**
   * An operator's drain: no new acquires, the queued ones served, then closed once every lease is
   * back. Readiness says the pool was drained; `resume()` serves again.
   */
  drain(): Promise<void> {
    this.drainedByOperator = true;
    this.stopMaintenance();
    return this.engine.drain();
  }

  /**
   * Serves again after an operator's drain, with a fresh engine behind the same injected pool: the
   * old engine's event listeners stay with it. Throws `PoolResumeError` unless the drain has closed it.
   */
  resume(): void {
    if (this.stopping) throw new PoolResumeError(this.name, 'shutting-down');
    if (!this.engine.closed) {
      throw new PoolResumeError(this.name, this.drainedByOperator ? 'draining' : 'open');
    }
    this.engine = this.newEngine();
    this.watch(this.engine);
    for (const listener of this.engineListeners) listener(this.engine);
    this.drainedByOperator = false;
    this.lastCreateFailed = false;
    this.startMaintenance();
    // Back to `min` now rather than at the next maintenance pass.
    void this.runMaintenance();
  }

  private watch(engine: Pool<T>): void {
    const name = this.name;
    // The borrower's stack is what finds a leak; it goes to the log, never into a metric label.
    engine.on('leak', ({ heldMs, stack }) => this.logger.warn(PoolNestMessages.leak(name, heldMs, stack)));
    // One line when creates start failing and one when they work again, not one per retry. The code
    // only: a driver's message can name hosts and users.
    engine.on('createError', ({ error }) => {
      if (!this.lastCreateFailed) this.logger.warn(PoolNestMessages.createFailing(name, errorCode(error)));
      this.lastCreateFailed = true;
    });
    engine.on('create', () => {
      if (this.lastCreateFailed) this.logger.log(PoolNestMessages.createRecovered(name));
      this.lastCreateFailed = false;
    });
  }

  /** Lets the metrics refresh the gauges on every maintenance pass too (waiters raise no event). */
  useMetricsRefresh(refresh: () => void): void {
    this.refreshMetrics = refresh;
  }

  /** Hands start and stop to a lifecycle manager: from now on the Nest hooks below do nothing. */
  useLifecycle(): void {
    this.managed = true;
  }

  /** Runs `callback` once the pool has closed at shutdown (e.g. to remove a database file). */
  afterClose(callback: () => Promise<void> | void): void {
    this.afterCloseCallbacks.push(callback);
  }

  /** Without LifecycleModule: warm-up; on failure close what this pool created, then rethrow. */
  async onModuleInit(): Promise<void> {
    if (this.managed || !this.warmUp) return;
    await this.warmUpOrClose(this.pool.ready());
  }

  /** Without LifecycleModule: starts the maintenance pass. */
  onApplicationBootstrap(): void {
    if (!this.managed) this.startMaintenance();
  }

  /** Without LifecycleModule: stops the maintenance timer before anything else shuts down. */
  beforeApplicationShutdown(): void {
    if (!this.managed) this.stopMaintenance();
  }

  /** Without LifecycleModule: drains then closes the pool, after the HTTP server closed. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.managed) await this.shutdown();
  }

  /**
   * `LifecycleUnit.start`: warm-up (when configured), bounded by the manager's signal; on failure or
   * abort it closes what it created. Then the maintenance pass.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
    // `warmUp: false` (e.g. an optional cache) must not fail the boot through the lifecycle either.
    if (this.warmUp) await this.warmUpOrClose(raceAbort(this.pool.ready(), signal));
    this.startMaintenance();
  }

  /**
   * `LifecycleUnit.stop`: drain for at most `drainTimeoutMs`, and close at once when the manager's
   * signal aborts (the unit's stop timeout or the shutdown deadline), whichever comes first.
   */
  async stop(signal: AbortSignal): Promise<void> {
    const onAbort = (): void => void this.pool.close();
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.shutdown();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Readiness view: `down` when closed or nothing alive after a failed create, `degraded` when saturated. */
  health(): PoolHealth {
    const { lastCreateError: _omitted, ...stats } = this.pool.stats();
    const down = this.optional ? 'degraded' : 'down';
    if (stats.closed) {
      const reason = this.drainedByOperator ? PoolNestMessages.healthDrained : PoolNestMessages.healthClosed;
      return { status: down, reason, stats };
    }
    if (this.drainedByOperator) return { status: down, reason: PoolNestMessages.healthDraining, stats };
    if (this.lastCreateFailed && stats.size === 0) {
      return { status: down, reason: PoolNestMessages.healthCannotCreate, stats };
    }
    if (stats.budget !== undefined && !stats.budget.synced) {
      return { status: 'degraded', reason: PoolNestMessages.healthBudgetUnsynced, stats };
    }
    if (stats.waiting > (this.degradedWaiting ?? stats.max)) {
      return { status: 'degraded', reason: PoolNestMessages.healthSaturated, stats };
    }
    return { status: 'up', stats };
  }

  /** One maintenance pass; skipped while the previous one still runs. */
  async runMaintenance(): Promise<void> {
    if (this.maintaining || this.pool.closed) return;
    this.maintaining = true;
    try {
      await this.pool.maintain();
    } catch {
      this.logger.warn(PoolNestMessages.maintenanceFailed(this.name));
    } finally {
      this.maintaining = false;
      this.refreshMetrics();
    }
  }

  private startMaintenance(): void {
    if (this.maintenanceTimer !== undefined || this.maintenanceIntervalMs <= 0 || this.pool.closed) return;
    const timer = setInterval(() => void this.runMaintenance(), this.maintenanceIntervalMs);
    // Housekeeping alone must never keep the process alive.
    timer.unref();
    this.maintenanceTimer = timer;
    const key = getPoolMaintenanceName(this.name);
    if (this.scheduler && !this.scheduler.doesExist('interval', key)) this.scheduler.addInterval(key, timer);
  }

  private stopMaintenance(): void {
    const timer = this.maintenanceTimer;
    if (timer === undefined) return;
    this.maintenanceTimer = undefined;
    const key = getPoolMaintenanceName(this.name);
    if (this.scheduler?.doesExist('interval', key)) this.scheduler.deleteInterval(key);
    clearInterval(timer);
  }

  private async warmUpOrClose(ready: Promise<void>): Promise<void> {
    try {
      await ready;
    } catch (error) {
      this.logger.error(PoolNestMessages.warmUpFailed(this.name));
      await this.pool.close();
      throw error;
    }
  }

  private shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopMaintenance();
      try {
        await this.pool.drain({ deadline: this.drainTimeoutMs });
      } catch {
        this.logger.warn(PoolNestMessages.shutdownFailed(this.name));
      }
      await this.pool.close();
      for (const callback of this.afterCloseCallbacks.splice(0)) {
        try {
          await callback();
        } catch {
          this.logger.warn(PoolNestMessages.shutdownFailed(this.name));
        }
      }
    })();
    return this.stopping;
  }
}

function errorCode(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && /^[\w.-]{1,40}$/.test(code)) return code;
  return typeof name === 'string' && /^\w{1,40}$/.test(name) ? name : 'unknown';
}
