import type { Clock } from '@steward/common';
import { AdaptiveLimiter } from './adaptive-limiter.js';
import { IdleList } from './idle-list.js';
import type { Lease } from './interfaces/lease.interface.js';
import type {
  AcquireOptions,
  DrainOptions,
  PoolOptions,
  ResolvedPoolOptions,
} from './interfaces/pool-options.interface.js';
import type { DestroyReason, PoolEventListener, PoolEventName } from './interfaces/pool-events.interface.js';
import type { PoolStats } from './interfaces/pool-stats.interface.js';
import type { ResourceFactory } from './interfaces/resource-factory.interface.js';
import { PoolEventEmitter } from './pool-event-emitter.js';
import { LeaseState, PoolLease, type LeaseOwner } from './pool-lease.js';
import {
  checkAcquireOptions,
  checkBounds,
  checkDrainOptions,
  MAX_TIMER_MS,
  validatePoolOptions,
} from './pool-options.js';
import { PoolWaiter, type WaiterOwner } from './pool-waiter.js';
import { PooledResource, ResourceState } from './pooled-resource.js';
import {
  PoolAbortedError,
  PoolClosedError,
  PoolExhaustedError,
  PoolTimeoutError,
  ResourceCreateError,
} from './pool.errors.js';
import { poolMessages } from './pool.messages.js';
import { ResourceLife } from './resource-life.js';
import { WaiterQueue } from './waiter-queue.js';

/** The caller's stack for leak reports (costly: only with `leakDetectionMs`). */
function borrowerStack(): string | undefined {
  return new Error(poolMessages.leaseStack).stack;
}

const OPEN = 0;
const DRAINING = 1;
const CLOSED = 2;

interface ReadyWaiter {
  resolve(): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * A pool of resources made by a `ResourceFactory`. Callers wait only on the pool: creation runs in
 * the background, a returned resource goes to the first waiter (FIFO within a priority, higher
 * priority first), a waiter that gives up never cancels a create. See `PoolOptions` for the knobs.
 */
export class Pool<T> implements AsyncDisposable, LeaseOwner<T>, WaiterOwner<PoolLease<T>> {
  /** The pool's name (errors, events, metrics). */
  readonly name: string;
  private readonly options: ResolvedPoolOptions;
  private readonly clock: Clock;
  private readonly events: PoolEventEmitter<T>;
  private readonly limiter: AdaptiveLimiter | undefined;
  private readonly idle = new IdleList<PooledResource<T>>();
  private readonly lifo: boolean;
  private readonly queue = new WaiterQueue<PoolLease<T>>();
  /** Every alive resource (idle, borrowed or busy). */
  private readonly all = new Set<PooledResource<T>>();
  /** Creates, validations, resets and destroys: the factory's side, bounded and counted. */
  private readonly life: ResourceLife<T>;
  /** True when a feature needs the loan time on every lease. */
  private readonly timeLeases: boolean;
  /** Leak detection records where each lease was asked for. */
  private readonly captureStacks: boolean;
  // Hot-path copies of options: one field read instead of two.
  private readonly maxUses: number;
  private readonly validateOnBorrow: boolean;
  private readonly resets: boolean;
  /**
   * True from the moment the budget reports slots in excess until none are: the release path then reads
   * one boolean instead of calling the budget (bench pool-budget: 93-95 % of the pool without a budget with
   * a call per release, 97-104 % with the flag, at 5-10 M acquire + release per second).
   */
  private shedding = false;

  private state = OPEN;
  private min: number;
  private max: number;
  private effectiveMax: number;
  private borrowed = 0;
  private busy = 0;
  private generation = 0;
  private createdTotal = 0;
  private destroyedTotal = 0;
  private acquiredTotal = 0;
  private timeoutsTotal = 0;
  private leaksTotal = 0;

  /** Keeps acquire deadlines; runs only while some waiter has a timeout. */
  private ticker: ReturnType<typeof setInterval> | undefined = undefined;
  private tickMs = 0;
  private maintenanceTimer: ReturnType<typeof setInterval> | undefined = undefined;
  private drainTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private readyWaiters: ReadyWaiter[] = [];
  private drained: (() => void) | undefined = undefined;
  private drainPromise: Promise<void> | undefined = undefined;
  private closePromise: Promise<void> | undefined = undefined;

  /** Validates `options` (one error listing every bad field); starts no I/O. */
  constructor(
    private readonly factory: ResourceFactory<T>,
    options: PoolOptions = {},
  ) {
    this.options = validatePoolOptions(options);
    const o = this.options;
    this.name = o.name;
    this.clock = o.clock;
    this.min = o.min;
    this.max = o.max;
    this.events = new PoolEventEmitter<T>(o.onListenerError);
    this.life = new ResourceLife(o.name, factory, o, {
      created: (resource, generation, late) => {
        this.adopt(resource, generation, late ? 'create-timeout' : undefined);
        if (!late) this.settleReady();
      },
      createFailed: (error) => this.createFailed(error),
      destroyFailed: (error) => this.events.emit('destroyError', { error }),
      slotFreed: () => this.pump(),
    });
    o.budget?.bind({
      name: o.name,
      demand: () => this.need(),
      budgetChanged: () => this.budgetChanged(),
    });
    this.limiter = o.adaptive ? new AdaptiveLimiter(o.min, o.max, o.adaptive) : undefined;
    this.effectiveMax = this.limiter ? this.limiter.limit : o.max;
    this.lifo = o.idleOrder === 'lifo';
    this.timeLeases = o.leakDetectionMs > 0 || this.limiter !== undefined;
    this.captureStacks = o.leakDetectionMs > 0;
    this.maxUses = o.maxUses > 0 ? o.maxUses : Number.POSITIVE_INFINITY;
    this.validateOnBorrow = o.validateOnBorrow;
    this.resets = factory.reset !== undefined;
    if (o.maintenanceIntervalMs > 0) {
      this.maintenanceTimer = setInterval(() => void this.maintain(), o.maintenanceIntervalMs);
      // Housekeeping alone must not keep the process alive.
      this.maintenanceTimer.unref?.();
    }
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.state === CLOSED;
  }

  // ---------------------------------------------------------------- borrowing

  /**
   * Borrows a resource, waiting up to `timeoutMs` (default `acquireTimeoutMs`). Rejects with
   * `PoolTimeoutError`, `PoolAbortedError` (signal), `PoolExhaustedError` (`maxWaiting`), `PoolClosedError`,
   * or `InvalidOptionsError` (a `timeoutMs` that is not positive, a `priority` that is not a number).
   */
  acquire(options?: AcquireOptions): Promise<Lease<T>> {
    if (this.state !== OPEN) return Promise.reject(this.refusal());
    if (options !== undefined) {
      // Checked on every call, so a bad option fails the same way with or without an idle resource.
      const invalid = checkAcquireOptions(options);
      if (invalid !== undefined) return Promise.reject(invalid);
      if (options.signal?.aborted)
        return Promise.reject(new PoolAbortedError(this.name, options.signal.reason));
    }
    // Fast path: an idle resource and nobody ahead in the line; no timer, no queue work.
    if (this.queue.size === 0 && this.idle.length > 0 && this.borrowed < this.effectiveMax) {
      const lease = this.takeIdle(this.captureStacks ? borrowerStack() : undefined);
      if (lease !== undefined) return Promise.resolve(lease);
    }
    return this.enqueue(options);
  }

  /**
   * Borrows an idle resource now or returns undefined; never waits and allocates no promise. An idle
   * resource due for validation is sent to validation and skipped. Throws `PoolClosedError` when closed.
   */
  tryAcquire(): Lease<T> | undefined {
    if (this.state !== OPEN) throw this.refusal();
    if (this.queue.size > 0 || this.borrowed >= this.effectiveMax) return undefined;
    const lease = this.takeIdle(this.captureStacks ? borrowerStack() : undefined);
    if (lease === undefined) this.pump();
    return lease;
  }

  /**
   * Runs `fn` with a borrowed resource and returns its result. The resource is released afterwards,
   * or destroyed when `fn` throws an error that `factory.isBroken` calls fatal.
   */
  async use<R>(fn: (resource: T) => Promise<R> | R, options?: AcquireOptions): Promise<R> {
    const lease = (await this.acquire(options)) as PoolLease<T>;
    let result: R;
    try {
      result = await fn(lease.resource);
    } catch (error) {
      if (this.isBroken(error)) await this.endLease(lease, 'broken');
      else this.releaseLease(lease);
      throw error;
    }
    this.releaseLease(lease);
    return result;
  }

  /** @internal Called by `Lease.release()`. */
  releaseLease(lease: PoolLease<T>): void {
    if (lease.state !== LeaseState.Held) return;
    lease.state = LeaseState.Released;
    const entry = lease.entry;
    entry.lease = undefined;
    this.borrowed--;
    if (lease.timed) this.leaseEnded(lease);
    if (this.validateOnBorrow) entry.lastUsedAt = this.clock.now();
    if (this.resets && this.retireReason(entry) === undefined) {
      this.resetThenOffer(entry);
      // The returned resource is away being reset: room freed under the limit goes to an idle one.
      this.serveFromIdle();
    } else this.offer(entry);
  }

  /** @internal Called by `Lease.destroy()`. */
  destroyLease(lease: PoolLease<T>): Promise<void> {
    return this.endLease(lease, 'destroyed-by-holder');
  }

  /** @internal The abort listener of a queued waiter. */
  abortWaiter(waiter: PoolWaiter<PoolLease<T>>): void {
    if (!waiter.queued) return;
    this.queue.remove(waiter);
    this.unlistenAbort(waiter);
    waiter.fail(new PoolAbortedError(this.name, waiter.signal?.reason));
    this.checkDrained();
  }

  // ---------------------------------------------------------------- control

  /** Resolves once `min` resources exist; with `initialization: 'fail-fast'` rejects on the first create failure. */
  ready(): Promise<void> {
    if (this.state !== OPEN) return Promise.reject(this.refusal());
    if (this.all.size >= this.min) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: ReadyWaiter = { resolve, reject, timer: undefined };
      if (this.options.initialization === 'retry') {
        waiter.timer = setTimeout(() => {
          this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
          reject(
            new PoolTimeoutError(this.stats(), this.options.acquireTimeoutMs, this.life.currentCreateError),
          );
        }, this.options.acquireTimeoutMs);
      }
      this.readyWaiters.push(waiter);
      this.pump();
    });
  }

  /**
   * One housekeeping pass: lifetime expiry, idle eviction (keeping `min`), leak detection, keepalive
   * validation of idle resources, memory check of the adaptive limiter, refill to `min`.
   */
  async maintain(): Promise<void> {
    if (this.state === CLOSED) return;
    const o = this.options;
    const now = this.clock.now();
    const work: Promise<void>[] = [];

    for (const entry of this.all) {
      if (entry.state === ResourceState.Idle && entry.idleStampUses !== entry.uses) {
        entry.idleSince = now;
        entry.idleStampUses = entry.uses;
      }
      if (entry.expiresAt <= now) {
        if (entry.state === ResourceState.Idle) continue; // removed below, in one pass
        entry.retire ??= 'lifetime';
      }
      if (entry.state === ResourceState.Borrowed && o.leakDetectionMs > 0) this.checkLeak(entry, now, work);
    }

    const expired = this.idle.removeWhere((e) => e.expiresAt <= now);
    for (const entry of expired) work.push(this.destroy(entry, 'lifetime'));

    if (o.idleTimeoutMs > 0 && this.all.size > this.min) {
      let evictable = this.all.size - this.min;
      // Oldest idle first: in LIFO order they are the ones nobody needed.
      const idleFor = (e: PooledResource<T>): boolean => {
        if (evictable > 0 && now - e.idleSince >= o.idleTimeoutMs) {
          evictable--;
          return true;
        }
        return false;
      };
      for (const entry of this.idle.removeWhere(idleFor)) work.push(this.destroy(entry, 'idle'));
    }

    if (o.keepaliveIntervalMs > 0 && this.factory.validate !== undefined) {
      const due = this.idle.removeWhere(
        (e) => now - Math.max(e.lastUsedAt, e.idleSince) >= o.keepaliveIntervalMs,
      );
      for (const entry of due) {
        entry.state = ResourceState.Busy;
        this.busy++;
        work.push(this.validate(entry));
      }
    }

    if (this.limiter?.tick()) this.applyLimit();
    this.serveFromIdle(); // a reclaimed leak may have made room under the limit
    this.pump();
    await Promise.all(work);
  }

  /** Changes the bounds at runtime; extra idle resources go now, extra borrowed ones on return. */
  resize(min: number, max: number): void {
    checkBounds(min, max);
    if (this.state === CLOSED) throw this.refusal();
    this.min = min;
    this.max = max;
    this.limiter?.setBounds(min, max);
    this.effectiveMax = this.limiter ? this.limiter.limit : max;
    let excess = this.all.size - max;
    while (excess-- > 0 && this.idle.length > 0) void this.destroy(this.idle.shift()!, 'resize');
    this.events.emit('resize', { min, max, effectiveMax: this.effectiveMax });
    this.settleReady(); // a lowered min may already be met
    this.serveFromIdle();
    this.pump();
  }

  /** Bumps the generation: idle resources are destroyed now, borrowed ones when they come back. */
  reset(): void {
    if (this.state === CLOSED) return;
    this.generation++;
    for (const entry of this.idle.toArray()) void this.destroy(entry, 'reset');
    this.pump();
  }

  /**
   * Stops new acquires (`PoolClosedError`), serves the queued ones, waits for every lease to come
   * back, then closes. At `deadline` ms from now it closes anyway (`Infinity` or none: no deadline);
   * a NaN or negative deadline rejects with `InvalidOptionsError`.
   */
  drain(options: DrainOptions = {}): Promise<void> {
    const invalid = checkDrainOptions(options.deadline);
    if (invalid !== undefined) return Promise.reject(invalid);
    if (this.state === CLOSED) return this.close();
    if (this.drainPromise !== undefined) return this.drainPromise;
    this.state = DRAINING;
    const drained = new Promise<void>((resolve) => (this.drained = resolve));
    const deadline = options.deadline;
    // Infinity means no deadline; anything a timer cannot hold (and would fire at once) is capped.
    if (deadline !== undefined && deadline !== Number.POSITIVE_INFINITY) {
      this.drainTimer = setTimeout(() => void this.close(), Math.min(deadline, MAX_TIMER_MS));
    }
    this.drainPromise = drained.then(() => this.close());
    this.checkDrained();
    return this.drainPromise;
  }

  /**
   * Closes now: waiters fail with `PoolClosedError`, every resource (borrowed ones too, their leases
   * revoked) is destroyed, timers stop, listeners are dropped. Idempotent.
   */
  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  /** `await using pool = new Pool(...)` closes it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A snapshot of sizes and counters. */
  stats(): PoolStats {
    return {
      name: this.name,
      min: this.min,
      max: this.max,
      effectiveMax: this.effectiveMax,
      size: this.all.size,
      idle: this.idle.length,
      borrowed: this.borrowed,
      creating: this.life.creating,
      destroying: this.life.destroying,
      waiting: this.queue.size,
      createdTotal: this.createdTotal,
      destroyedTotal: this.destroyedTotal,
      acquiredTotal: this.acquiredTotal,
      timeoutsTotal: this.timeoutsTotal,
      createErrorsTotal: this.life.createErrorsTotal,
      leaksTotal: this.leaksTotal,
      listenerErrorsTotal: this.events.listenerErrors,
      ...(this.life.lastCreateError === undefined ? {} : { lastCreateError: this.life.lastCreateError }),
      ...(this.options.budget === undefined ? {} : { budget: this.options.budget.stats() }),
      closed: this.state === CLOSED,
    };
  }

  /** Adds an event listener; a listener that throws is counted, never propagated. */
  on<K extends PoolEventName>(event: K, listener: PoolEventListener<T, K>): this {
    this.events.on(event, listener);
    return this;
  }

  /** Removes an event listener. */
  off<K extends PoolEventName>(event: K, listener: PoolEventListener<T, K>): this {
    this.events.off(event, listener);
    return this;
  }

  /** Number of listeners currently attached (all events). */
  listenerCount(): number {
    return this.events.count();
  }

  // ---------------------------------------------------------------- internals: lending

  private takeIdle(stack: string | undefined): PoolLease<T> | undefined {
    const entry = this.popIdle();
    return entry === undefined ? undefined : this.lend(entry, undefined, stack);
  }

  /** The next idle resource ready to lend; those due for validation are sent to it on the way. */
  private popIdle(): PooledResource<T> | undefined {
    while (this.idle.length > 0) {
      const entry = (this.lifo ? this.idle.pop() : this.idle.shift())!;
      if (this.validateOnBorrow && this.dueForValidation(entry)) {
        entry.state = ResourceState.Busy;
        this.busy++;
        void this.validate(entry);
        continue;
      }
      return entry;
    }
    return undefined;
  }

  /** `waiter` is undefined on the fast path (no wait, no clock read). */
  private lend(
    entry: PooledResource<T>,
    waiter: PoolWaiter<PoolLease<T>> | undefined,
    stack: string | undefined,
  ): PoolLease<T> {
    entry.state = ResourceState.Borrowed;
    entry.uses++;
    this.borrowed++;
    this.acquiredTotal++;
    const events = this.events;
    const waited = waiter !== undefined && waiter.measured;
    const timed = this.timeLeases || events.hasRelease || (waited && events.hasAcquire);
    const now = timed ? this.clock.now() : 0;
    const lease = new PoolLease<T>(this, entry, timed, now, stack);
    entry.lease = lease;
    if (events.hasAcquire)
      events.emit('acquire', { waitMs: waited ? Math.max(0, now - waiter.enqueuedAt) : 0 });
    return lease;
  }

  private enqueue(options: AcquireOptions | undefined): Promise<Lease<T>> {
    if (this.queue.size >= this.options.maxWaiting) {
      return Promise.reject(new PoolExhaustedError(this.name, this.options.maxWaiting));
    }
    const timeoutMs = options?.timeoutMs ?? this.options.acquireTimeoutMs;
    const priority = options?.priority ?? 0;
    const signal = options?.signal;
    const measured = this.timeLeases || this.events.hasAcquire;
    const enqueuedAt = measured ? this.clock.now() : 0;
    const waiter = new PoolWaiter<PoolLease<T>>(this, priority, timeoutMs, measured, enqueuedAt, signal);
    if (this.captureStacks) waiter.stack = borrowerStack();
    const promise = new Promise<Lease<T>>((resolve) => {
      waiter.resolve = resolve;
    });
    this.queue.push(waiter);
    if (signal !== undefined) signal.addEventListener('abort', waiter);
    if (
      timeoutMs !== Number.POSITIVE_INFINITY &&
      (this.ticker === undefined || timeoutMs < this.tickMs * 64)
    ) {
      this.startTicker(timeoutMs);
    }
    this.pump();
    return promise;
  }

  /** Hands an available resource to the first waiter, or makes it idle. */
  private offer(entry: PooledResource<T>): void {
    const reason = this.retireReason(entry);
    if (reason !== undefined) {
      void this.destroy(entry, reason);
      // A waiter kept out by the limit takes an idle resource before any create is started for it.
      this.serveFromIdle();
      this.pump();
      return;
    }
    if (this.queue.size > 0 && this.borrowed < this.effectiveMax) {
      this.grant(this.queue.shift()!, entry);
      return;
    }
    entry.state = ResourceState.Idle;
    this.idle.push(entry);
    if (this.state === DRAINING) this.checkDrained();
  }

  private grant(waiter: PoolWaiter<PoolLease<T>>, entry: PooledResource<T>): void {
    this.unlistenAbort(waiter);
    waiter.resolve(this.lend(entry, waiter, waiter.stack));
  }

  /** Serves waiters from idle resources after the effective max grew. */
  private serveFromIdle(): void {
    while (this.queue.size > 0 && this.borrowed < this.effectiveMax) {
      const entry = this.popIdle();
      if (entry === undefined) return;
      this.grant(this.queue.shift()!, entry);
    }
  }

  /**
   * A waiter left the line (served, aborted, timed out, closed): its listener comes off the caller's
   * signal, which may be long-lived and shared by many acquires.
   */
  private unlistenAbort(waiter: PoolWaiter<PoolLease<T>>): void {
    if (waiter.signal !== undefined) waiter.signal.removeEventListener('abort', waiter);
  }

  /**
   * Acquire deadlines run on a tick of timeout/64 (1 to 500 ms) instead of a timer per waiter or a
   * clock read per acquire: a waiter joins unstamped, the next tick stamps its deadline and a later
   * tick expires it. A waiter never times out early and at most about two ticks late.
   */
  private startTicker(timeoutMs: number): void {
    const tickMs = Math.min(500, Math.max(1, Math.floor(timeoutMs / 64)));
    if (this.ticker !== undefined) {
      if (tickMs >= this.tickMs) return;
      clearInterval(this.ticker);
    }
    this.tickMs = tickMs;
    this.ticker = setInterval(this.onTick, tickMs);
  }

  private readonly onTick = (): void => {
    const now = this.clock.now();
    this.queue.stamp(now);
    let waiter = this.queue.deadlineHead;
    while (waiter !== undefined && waiter.deadline <= now) {
      // The snapshot is taken while the waiter still counts as waiting.
      const snapshot = this.stats();
      this.queue.remove(waiter);
      this.unlistenAbort(waiter);
      this.timeoutsTotal++;
      const waitMs = now - (waiter.measured ? waiter.enqueuedAt : waiter.deadline - waiter.timeoutMs);
      if (this.limiter?.onTimeout()) this.applyLimit();
      this.events.emit('timeout', { waitMs });
      waiter.fail(new PoolTimeoutError(snapshot, waitMs, this.life.currentCreateError));
      waiter = this.queue.deadlineHead;
    }
    if (!this.queue.hasTimed && this.ticker !== undefined) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    this.checkDrained();
  };

  private async endLease(lease: PoolLease<T>, reason: DestroyReason): Promise<void> {
    if (lease.state !== LeaseState.Held) return;
    lease.state = LeaseState.Destroyed;
    lease.entry.lease = undefined;
    this.borrowed--;
    if (lease.timed) this.leaseEnded(lease);
    const done = this.destroy(lease.entry, reason);
    // Room under the limit: an idle resource (kept idle while the limit was reached) serves first.
    this.serveFromIdle();
    this.pump();
    await done;
  }

  private leaseEnded(lease: PoolLease<T>): void {
    const now = this.clock.now();
    this.events.emit('release', { leaseMs: Math.max(0, now - lease.acquiredAt) });
    if (this.limiter?.sample(lease.acquiredAt, now, this.borrowed + 1)) this.applyLimit();
  }

  private applyLimit(): void {
    this.effectiveMax = this.limiter!.limit;
    this.events.emit('resize', { min: this.min, max: this.max, effectiveMax: this.effectiveMax });
    this.serveFromIdle();
    this.pump();
  }

  private retireReason(entry: PooledResource<T>): DestroyReason | undefined {
    if (this.state === CLOSED) return 'closed';
    if (entry.retire !== undefined) return entry.retire;
    if (entry.generation !== this.generation) return 'reset';
    if (entry.uses >= this.maxUses) return 'max-uses';
    if (this.all.size > this.max) return 'resize';
    if (this.shedding && this.budgetExcess() > 0) return 'budget';
    return undefined;
  }

  private isBroken(error: unknown): boolean {
    try {
      return this.factory.isBroken?.(error) === true;
    } catch {
      return false;
    }
  }

  private dueForValidation(entry: PooledResource<T>): boolean {
    return (
      this.factory.validate !== undefined &&
      this.clock.now() - entry.lastUsedAt > this.options.validateSkipWindowMs
    );
  }

  // ---------------------------------------------------------------- internals: resource life

  /** Starts the creates that demand needs: queued waiters the limit lets in, then refill to `min`. */
  private pump(): void {
    let need = this.need();
    const budget = this.options.budget;
    while (need-- > 0) {
      // A create runs only under a slot of the budget this replica already holds; the budget asks for more.
      if (budget !== undefined && !budget.tryTake()) return budget.request();
      this.life.create(this.generation);
    }
  }

  /** The creates demand needs now: queued waiters the limit lets in, then refill to `min`, within `max`. */
  private need(): number {
    const life = this.life;
    if (this.state === CLOSED || life.backingOff) return 0;
    // A resource counts against max until its destroy settles: a database budget can rely on max.
    const total = this.all.size + life.creating + life.destroying;
    if (total >= this.max) return 0; // full, the common case under load
    const coming = life.creating - life.abandonedCreates + this.busy;
    const forWaiters = Math.min(this.queue.size, this.effectiveMax - this.borrowed) - coming;
    const forMin = this.state === OPEN ? this.min - this.all.size - life.creating : 0;
    return Math.min(Math.max(forWaiters, forMin), this.max - total);
  }

  /** The budget's slots changed: idle resources above its limit go, new slots serve the demand. */
  private budgetChanged(): void {
    if (this.state === CLOSED) return;
    let excess = this.budgetExcess();
    while (excess-- > 0 && this.idle.length > 0) void this.destroy(this.idle.shift()!, 'budget');
    this.pump();
  }

  /** Resources to retire for the budget: slots in excess, less those already on their way back (destroys in flight). */
  private budgetExcess(): number {
    const excess = this.options.budget!.excess();
    this.shedding = excess > 0;
    return excess - this.life.destroying;
  }

  /** Takes a new resource in; `doom` destroys it at once (it came too late). */
  private adopt(resource: T, generation: number, doom: DestroyReason | undefined): void {
    const now = this.clock.now();
    const o = this.options;
    const lifetime = o.maxLifetimeMs > 0 ? o.maxLifetimeMs * (1 - o.lifetimeJitter * o.random()) : Infinity;
    const entry = new PooledResource(resource, generation, now, now + lifetime);
    this.all.add(entry);
    this.busy++;
    this.createdTotal++;
    this.events.emit('create', { resource });
    if (doom !== undefined) void this.destroy(entry, doom);
    else this.leaveBusy(entry);
  }

  /** A busy resource (new, validated, reset) becomes available. */
  private leaveBusy(entry: PooledResource<T>): void {
    if (entry.state !== ResourceState.Busy) return;
    this.busy--;
    this.offer(entry);
  }

  /** A create failed (the backoff is running): report it, and fail `ready()` when it must fail fast. */
  private createFailed(error: unknown): void {
    this.events.emit('createError', { error });
    if (this.options.initialization === 'fail-fast' && this.readyWaiters.length > 0) {
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      const failure = new ResourceCreateError(this.name, error);
      for (const waiter of waiters) {
        if (waiter.timer !== undefined) clearTimeout(waiter.timer);
        waiter.reject(failure);
      }
    }
  }

  private settleReady(): void {
    if (this.readyWaiters.length === 0 || this.all.size < this.min) return;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const waiter of waiters) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }

  /** Validates a busy resource: a live one becomes available, a dead or silent one is replaced. */
  private validate(entry: PooledResource<T>): Promise<void> {
    return this.life.validate(entry.resource).then(
      (ok) => {
        if (entry.state !== ResourceState.Busy) return; // closed or reset meanwhile
        if (ok === false) return this.discardBusy(entry, 'validation-failed');
        entry.lastUsedAt = this.clock.now();
        this.leaveBusy(entry);
      },
      () => this.discardBusy(entry, 'validation-failed'),
    );
  }

  /** Cleans a returned resource before it becomes available; one that fails or hangs is destroyed. */
  private resetThenOffer(entry: PooledResource<T>): void {
    entry.state = ResourceState.Busy;
    this.busy++;
    void this.life.reset(entry.resource).then(
      () => this.leaveBusy(entry),
      () => this.discardBusy(entry, 'broken'),
    );
  }

  /** A check failed: the resource goes, unless close or another path already took it. */
  private discardBusy(entry: PooledResource<T>, reason: DestroyReason): void {
    if (entry.state !== ResourceState.Busy) return;
    void this.destroy(entry, reason);
    this.pump();
  }

  /** Destroys a resource exactly once; resolves when the factory is done (or timed out), never rejects. */
  private destroy(entry: PooledResource<T>, reason: DestroyReason): Promise<void> {
    if (entry.state === ResourceState.Destroyed) return Promise.resolve();
    if (entry.state === ResourceState.Idle) this.idle.remove(entry);
    else if (entry.state === ResourceState.Busy) this.busy--;
    else if (entry.state === ResourceState.Borrowed) {
      // Only close() and leak reclaim destroy a borrowed resource: the holder's lease is revoked.
      const lease = entry.lease;
      if (lease !== undefined) {
        lease.state = LeaseState.Revoked;
        entry.lease = undefined;
        this.borrowed--;
      }
    }
    entry.state = ResourceState.Destroyed;
    this.all.delete(entry);
    this.destroyedTotal++;
    this.events.emit('destroy', { resource: entry.resource, reason });
    const done = this.life.destroy(entry.resource);
    // A lease that came back to be retired, a failed reset, a reclaimed leak: the drain may be over.
    this.checkDrained();
    return done;
  }

  private checkLeak(entry: PooledResource<T>, now: number, work: Promise<void>[]): void {
    const lease = entry.lease;
    if (lease === undefined || lease.leakReported || !lease.timed) return;
    const heldMs = now - lease.acquiredAt;
    if (heldMs < this.options.leakDetectionMs) return;
    lease.leakReported = true;
    this.leaksTotal++;
    this.events.emit('leak', { heldMs, stack: lease.stack ?? '' });
    if (this.options.reclaimLeaks) work.push(this.destroy(entry, 'leak-reclaimed'));
  }

  // ---------------------------------------------------------------- internals: closing

  private refusal(): PoolClosedError {
    return new PoolClosedError(this.name, this.state === DRAINING);
  }

  private checkDrained(): void {
    if (this.state === DRAINING && this.borrowed === 0 && this.queue.size === 0 && this.drained) {
      this.drained();
    }
  }

  private async shutdown(): Promise<void> {
    this.state = CLOSED;
    if (this.drainTimer !== undefined) clearTimeout(this.drainTimer);
    for (const timer of [this.ticker, this.maintenanceTimer]) if (timer !== undefined) clearInterval(timer);
    this.ticker = this.drainTimer = this.maintenanceTimer = undefined;

    const closedError = new PoolClosedError(this.name);
    for (let waiter = this.queue.shift(); waiter !== undefined; waiter = this.queue.shift()) {
      this.unlistenAbort(waiter);
      waiter.fail(closedError);
    }
    const readyWaiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const waiter of readyWaiters) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.reject(closedError);
    }
    this.life.close(closedError);
    for (const entry of [...this.all]) void this.destroy(entry, 'closed');
    this.drained?.();
    await this.life.settled();
    await this.options.budget?.close();
    this.events.clear();
  }
}
