import { backoffDelay, type RandomSource } from '@steward/common';
import type { ConnectionBudget } from './interfaces/connection-budget.interface.js';
import type { ResourceFactory } from './interfaces/resource-factory.interface.js';
import {
  ResourceCreateTimeoutError,
  ResourceDestroyTimeoutError,
  ResourceResetTimeoutError,
  ResourceValidateTimeoutError,
} from './pool.errors.js';
import { invoke, withTimeout } from './with-timeout.js';

/** What the life of resources reports to the pool that lends them. */
export interface ResourceLifeOwner<T> {
  /** A create delivered; `late` when it came after its timeout (the pool destroys it). */
  created(resource: T, generation: number, late: boolean): void;
  /** A create failed or timed out; the backoff before the next one is already scheduled. */
  createFailed(error: unknown): void;
  /** A destroy threw or timed out (the resource is forgotten anyway). */
  destroyFailed(error: unknown): void;
  /** A slot came free (a create or a destroy settled) or the backoff ended: demand may need a create. */
  slotFreed(): void;
}

/** The bounds `ResourceLife` applies. */
export interface ResourceLifeOptions {
  createTimeoutMs: number;
  validateTimeoutMs: number;
  destroyTimeoutMs: number;
  createRetry: { baseMs: number; maxMs: number; factor: number };
  random: RandomSource;
  /** Every create runs under a slot taken from it; the slot goes back when no resource came or its destroy settled. */
  budget?: ConnectionBudget | undefined;
}

/**
 * The life of resources apart from lending them: create (bounded, retried with backoff), validate and
 * reset (bounded, abortable), destroy (bounded). It counts what is in flight — a create or a destroy
 * holds a slot against `max` until it settles — and `close()` aborts what can be aborted while
 * `settled()` waits for the rest, so nothing outlives the pool.
 */
export class ResourceLife<T> {
  /** Creates in flight, abandoned ones included. */
  creating = 0;
  /** Creates past their timeout that have not settled: they hold a slot but will serve nobody. */
  abandonedCreates = 0;
  /** Destroys in flight: the resource may still hold a connection. */
  destroying = 0;
  /** Consecutive failed creates (0 after a success). */
  createFailures = 0;
  createErrorsTotal = 0;
  lastCreateError: string | undefined = undefined;
  /** Creates, checks and destroys in flight. */
  private readonly pending = new Set<Promise<void>>();
  /** Signals of the creates and checks in flight; `close()` aborts them. */
  private readonly controllers = new Set<AbortController>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly factory: ResourceFactory<T>,
    private readonly options: ResourceLifeOptions,
    private readonly owner: ResourceLifeOwner<T>,
  ) {}

  /** True while the backoff after a failed create runs: no create starts before it ends. */
  get backingOff(): boolean {
    return this.retryTimer !== undefined;
  }

  /**
   * The create error a timeout should name: the last one while creates keep failing, none once a create
   * succeeded (as HikariCP does: a stale error would send the reader after a cause that is gone).
   */
  get currentCreateError(): string | undefined {
    return this.createFailures > 0 ? this.lastCreateError : undefined;
  }

  /** Starts one create in the background; the owner hears of it through `created` or `createFailed`. */
  create(generation: number): void {
    this.creating++;
    const controller = new AbortController();
    this.controllers.add(controller);
    let timedOut = false;
    let untrack!: () => void;
    const tracked = new Promise<void>((resolve) => (untrack = resolve));
    this.pending.add(tracked);
    const stopTracking = (): void => {
      this.pending.delete(tracked);
      this.controllers.delete(controller);
      untrack();
    };
    const timeoutMs = this.options.createTimeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      this.abandonedCreates++;
      const error = new ResourceCreateTimeoutError(this.name, timeoutMs);
      controller.abort(error);
      stopTracking();
      this.failed(error);
    }, timeoutMs);

    invoke(() => this.factory.create(controller.signal)).then(
      (resource) => {
        this.creating--;
        if (timedOut) {
          this.abandonedCreates--;
          this.owner.created(resource, generation, true);
        } else {
          clearTimeout(timer);
          stopTracking();
          this.createFailures = 0;
          this.owner.created(resource, generation, false);
        }
        this.owner.slotFreed();
      },
      (error: unknown) => {
        this.creating--;
        this.options.budget?.release();
        if (timedOut) {
          this.abandonedCreates--;
          this.owner.slotFreed();
          return;
        }
        clearTimeout(timer);
        stopTracking();
        this.failed(error);
      },
    );
  }

  /** `factory.validate` bounded by `validateTimeoutMs`; rejects on timeout or close. */
  validate(resource: T): Promise<boolean> {
    return this.check(
      (signal) => this.factory.validate!(resource, signal),
      (ms) => new ResourceValidateTimeoutError(this.name, ms),
    );
  }

  /** `factory.reset` bounded by `validateTimeoutMs`; rejects on timeout or close. */
  reset(resource: T): Promise<void> {
    return this.check(
      () => this.factory.reset!(resource),
      (ms) => new ResourceResetTimeoutError(this.name, ms),
    );
  }

  /** `factory.destroy` bounded by `destroyTimeoutMs`; holds a slot until it settles, never rejects. */
  destroy(resource: T): Promise<void> {
    this.destroying++;
    const timeoutMs = this.options.destroyTimeoutMs;
    const done = withTimeout(
      invoke(() => this.factory.destroy(resource)),
      timeoutMs,
      () => new ResourceDestroyTimeoutError(this.name, timeoutMs),
    ).then(
      () => undefined,
      (error: unknown) => this.owner.destroyFailed(error),
    );
    this.pending.add(done);
    void done.then(() => {
      this.pending.delete(done);
      this.destroying--;
      this.options.budget?.release();
      this.owner.slotFreed();
    });
    return done;
  }

  /** Stops the backoff and aborts every create and check in flight with `reason`. */
  close(reason: unknown): void {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    for (const controller of this.controllers) controller.abort(reason);
  }

  /** Resolves once nothing is in flight any more (creates, checks, destroys, and what they started). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * Runs a validate or reset bounded by `validateTimeoutMs`; `close()` aborts it, so no timer outlives
   * the pool. Tracked in `pending` so `settled()` also waits for its bookkeeping.
   */
  private check<R>(run: (signal: AbortSignal) => Promise<R>, onTimeout: (ms: number) => Error): Promise<R> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const timeoutMs = this.options.validateTimeoutMs;
    const result = withTimeout(
      invoke(() => run(controller.signal)),
      timeoutMs,
      () => {
        const error = onTimeout(timeoutMs);
        controller.abort(error); // tells a factory that honours the signal to stop
        return error;
      },
      controller.signal,
    );
    const done = result.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(done);
    void done.then(() => {
      this.pending.delete(done);
      this.controllers.delete(controller);
    });
    return result;
  }

  private failed(error: unknown): void {
    // A create that close() aborted (or that timed out after it) is no failure of the resource.
    if (this.closed) return;
    this.createErrorsTotal++;
    this.createFailures++;
    this.lastCreateError = error instanceof Error ? error.message : String(error);
    this.scheduleRetry();
    this.owner.createFailed(error);
  }

  /** Backs off before the next create; a retry nobody needs any more is skipped when it fires. */
  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    const delay = backoffDelay(this.createFailures - 1, this.options.createRetry, this.options.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.owner.slotFreed();
    }, delay);
  }
}
