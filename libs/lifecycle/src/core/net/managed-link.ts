import { backoffDelay, linkAbort, OptionChecker, raceAbort, type RandomSource } from '@steward/common';
import type { LifecycleUnit } from '../interfaces/lifecycle-unit.interface.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type {
  LinkRetryOptions,
  LinkRunOptions,
  LinkState,
  ManagedLinkEvents,
  ManagedLinkOptions,
} from './interfaces/managed-link.interface.js';
import {
  CircuitOpenError,
  ConnectTimeoutError,
  LinkClosedError,
  LinkConnectError,
  LinkOperationTimeoutError,
} from './net.errors.js';
import { SafeEmitter } from './safe-emitter.js';

interface Waiter<C> {
  resolve(connection: C): void;
  reject(error: unknown): void;
}

const DEFAULT_RETRY: LinkRetryOptions = { baseMs: 100, maxMs: 30_000, factor: 2, maxAttempts: Infinity };

/**
 * An outbound connection kept alive: connects with a per-attempt timeout, retries with capped
 * full-jitter backoff, reconnects when the connection is lost (`disconnected` → `reconnecting` →
 * `connected`), and runs operations through a circuit breaker. Each operation gets its own
 * `AbortController` linked by hand to the link's shutdown signal and the caller's signal, and
 * unlinked when it settles, so long-lived signals never accumulate listeners.
 */
export class ManagedLink<C> implements LifecycleUnit, AsyncDisposable {
  /** Label used in errors and events; the lifecycle unit name. */
  readonly name: string;
  /** Units this link starts after. */
  readonly dependsOn?: readonly string[];
  /** The breaker `run` goes through, if any. */
  readonly breaker?: CircuitBreaker;
  private readonly shutdown = new AbortController();
  private readonly events: SafeEmitter<ManagedLinkEvents>;
  private readonly retry: LinkRetryOptions;
  private readonly connectTimeoutMs: number;
  private readonly random: RandomSource;
  private readonly waiters = new Set<Waiter<C>>();
  private currentState: LinkState = 'idle';
  private connection?: C;
  private unwatch?: () => void;
  private lastFailure?: unknown;
  private starting?: Promise<void>;
  private cycle?: Promise<void>;
  private closing?: Promise<void>;

  constructor(private readonly options: ManagedLinkOptions<C>) {
    this.name = options.name ?? 'link';
    validate(this.name, options);
    this.dependsOn = options.dependsOn;
    this.events = new SafeEmitter<ManagedLinkEvents>(options.onListenerError);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.random = options.random ?? Math.random;
    if (options.breaker instanceof CircuitBreaker) this.breaker = options.breaker;
    else if (options.breaker !== false)
      this.breaker = new CircuitBreaker({ name: this.name, ...options.breaker });
  }

  /** Where the link is now. */
  get state(): LinkState {
    return this.currentState;
  }

  /** Aborts when the link closes; operations are linked to it. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  /** The live connection, if any. */
  get current(): C | undefined {
    return this.connection;
  }

  /** Subscribes to a link event; returns the unsubscribe function. */
  on<K extends keyof ManagedLinkEvents>(
    event: K,
    listener: (payload: ManagedLinkEvents[K]) => void,
  ): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Connects (with retries); resolves once connected. Rejects when `signal` aborts or attempts run
   * out, leaving the link `failed`; a later call then tries again. Concurrent calls share one attempt.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.currentState === 'closed') return Promise.reject(new LinkClosedError(this.name));
    if (this.currentState === 'connected') return Promise.resolve();
    // A failed link starts over; replaying the old rejection would leave it failed for good.
    if (this.currentState === 'failed') this.starting = undefined;
    this.starting ??= this.track(this.connectCycle(false, signal));
    return this.starting;
  }

  /**
   * Runs `operation` on the live connection, waiting for one if the link is (re)connecting. The
   * operation's signal aborts on `options.signal`, `options.timeoutMs` or link shutdown; `run`
   * settles at that moment even if the operation ignores its signal.
   */
  async run<T>(
    operation: (connection: C, signal: AbortSignal) => Promise<T>,
    options: LinkRunOptions = {},
  ): Promise<T> {
    if (this.currentState === 'closed') throw new LinkClosedError(this.name);
    const permit = this.breaker?.tryAcquire();
    if (this.breaker && !permit) throw new CircuitOpenError(this.breaker.name);

    const controller = new AbortController();
    const unlinkShutdown = linkAbort(this.shutdown.signal, controller);
    const unlinkCaller = linkAbort(options.signal, controller);
    const timeoutMs = options.timeoutMs;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => controller.abort(new LinkOperationTimeoutError(this.name, timeoutMs)), timeoutMs);
    let connection: C | undefined;
    try {
      connection = this.connection ?? (await this.waitForConnection(controller.signal));
      const result = await raceAbort(operation(connection, controller.signal), controller.signal);
      permit?.success();
      return result;
    } catch (error) {
      if (controller.signal.reason instanceof LinkOperationTimeoutError) {
        permit?.failure(error); // a peer too slow for the deadline is a failing peer
      } else if (controller.signal.aborted) {
        // Cancelled, not failed: a shutdown or an impatient caller says nothing about the peer.
        permit?.cancel();
      } else {
        permit?.failure(error);
        if (connection !== undefined && this.options.isConnectionError?.(error)) this.lose(connection, error);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      unlinkShutdown();
      unlinkCaller();
    }
  }

  /** Drops the current connection (or leaves `failed`) and connects again. */
  reconnect(error?: unknown): void {
    if (this.connection !== undefined) this.lose(this.connection, error);
    else if (this.currentState === 'failed') this.track(this.connectCycle(true)).catch(() => {});
  }

  /** Closes the link: aborts operations and connects in progress, then releases the connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.runClose();
    return this.closing;
  }

  /** `LifecycleUnit.stop`: `close()`, given up when `signal` aborts. */
  stop(signal?: AbortSignal): Promise<void> {
    return raceAbort(this.close(), signal);
  }

  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async runClose(): Promise<void> {
    const closed = new LinkClosedError(this.name);
    this.currentState = 'closed';
    this.shutdown.abort(closed);
    for (const waiter of [...this.waiters]) waiter.reject(closed);
    await this.cycle?.catch(() => {});
    try {
      await this.release();
    } finally {
      this.events.emit('closed', { link: this.name });
    }
  }

  private track(cycle: Promise<void>): Promise<void> {
    this.cycle = cycle;
    // Failures reach callers through `start()`, waiters and the `failed` event, never as unhandled rejections.
    cycle.catch(() => {});
    return cycle;
  }

  private async connectCycle(reconnect: boolean, signal?: AbortSignal): Promise<void> {
    const controller = new AbortController();
    const unlinkShutdown = linkAbort(this.shutdown.signal, controller);
    const unlinkStart = linkAbort(signal, controller);
    const maxAttempts = this.retry.maxAttempts ?? Infinity;
    this.currentState = reconnect ? 'reconnecting' : 'connecting';
    try {
      for (let attempt = 1; ; attempt++) {
        if (reconnect || attempt > 1) {
          // A reconnect waits too (from [0, base]) so that clients of a restarted peer do not all return at once.
          const delayMs = backoffDelay(reconnect ? attempt - 1 : attempt - 2, this.retry, this.random);
          if (reconnect) this.events.emit('reconnecting', { link: this.name, attempt, delayMs });
          await sleep(delayMs, controller.signal);
        }
        this.events.emit('connecting', { link: this.name, attempt });
        try {
          const connection = await this.connectOnce(controller.signal);
          this.adopt(connection, attempt);
          return;
        } catch (error) {
          if (controller.signal.aborted) throw controller.signal.reason;
          this.events.emit('connectFailed', { link: this.name, attempt, error });
          if (attempt >= maxAttempts) throw new LinkConnectError(this.name, attempt, { cause: error });
        }
      }
    } catch (error) {
      if (!this.shutdown.signal.aborted) {
        this.currentState = 'failed';
        this.lastFailure = error;
        for (const waiter of [...this.waiters]) waiter.reject(error);
        this.events.emit('failed', { link: this.name, error });
      }
      throw error;
    } finally {
      unlinkShutdown();
      unlinkStart();
    }
  }

  private async connectOnce(signal: AbortSignal): Promise<C> {
    const attempt = new AbortController();
    const unlink = linkAbort(signal, attempt);
    const timer = setTimeout(
      () => attempt.abort(new ConnectTimeoutError(this.name, this.connectTimeoutMs)),
      this.connectTimeoutMs,
    );
    const pending = Promise.resolve().then(() => this.options.connect(attempt.signal));
    try {
      return await raceAbort(pending, attempt.signal);
    } catch (error) {
      // A factory that ignores its signal may still connect later: that connection is nobody's.
      pending.then((late) => this.dispose(late)).catch(() => {});
      throw error;
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  private adopt(connection: C, attempt: number): void {
    if (this.currentState === 'closed') {
      void this.dispose(connection).catch(() => {});
      return;
    }
    this.connection = connection;
    this.lastFailure = undefined;
    const watch = this.options.watch ?? watchEmitter;
    this.unwatch = watch(connection, (error) => this.lose(connection, error));
    this.currentState = 'connected';
    this.events.emit('connected', { link: this.name, attempt });
    for (const waiter of [...this.waiters]) waiter.resolve(connection);
  }

  private lose(connection: C, error?: unknown): void {
    if (connection !== this.connection || this.currentState === 'closed') return;
    void this.release().catch(() => {});
    this.events.emit('disconnected', { link: this.name, error });
    this.track(this.connectCycle(true)).catch(() => {});
  }

  private async release(): Promise<void> {
    const connection = this.connection;
    this.unwatch?.();
    this.unwatch = undefined;
    this.connection = undefined;
    if (connection !== undefined) await this.dispose(connection);
  }

  private async dispose(connection: C): Promise<void> {
    await (this.options.close ?? closeAny)(connection);
  }

  private waitForConnection(signal: AbortSignal): Promise<C> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.currentState === 'failed') return Promise.reject(this.lastFailure);
    if (this.currentState === 'idle') this.start().catch(() => {});
    return new Promise<C>((resolve, reject) => {
      const cleanup = (): void => {
        this.waiters.delete(waiter);
        signal.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter<C> = {
        resolve: (connection) => {
          cleanup();
          resolve(connection);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.reject(signal.reason);
      this.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function validate<C>(name: string, options: ManagedLinkOptions<C>): void {
  const check = new OptionChecker(`link '${name}'`);
  if (typeof options.connect !== 'function') check.add('connect', 'must be a function');
  check.number('connectTimeoutMs', options.connectTimeoutMs, 1);
  const retry = options.retry ?? {};
  check.number('retry.baseMs', retry.baseMs, 0);
  check.number('retry.maxMs', retry.maxMs, retry.baseMs ?? 0);
  check.number('retry.factor', retry.factor, 1);
  if (retry.maxAttempts !== Infinity) check.integer('retry.maxAttempts', retry.maxAttempts, 1);
  check.throwIfAny();
}

interface EmitterLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Default `watch`: an event-emitting connection is lost on `'end'` or `'close'`; `'error'` is kept as the cause. */
function watchEmitter(connection: unknown, lost: (error?: unknown) => void): () => void {
  const emitter = connection as Partial<EmitterLike> | null;
  if (typeof emitter?.on !== 'function' || typeof emitter.off !== 'function') return () => {};
  const target = emitter as EmitterLike;
  let cause: unknown;
  // Without an 'error' listener a socket error would crash the process; the cause travels with 'disconnected'.
  const onError = (error: unknown): void => {
    cause = error;
  };
  const onGone = (): void => lost(cause);
  target.on('error', onError);
  target.on('end', onGone);
  target.on('close', onGone);
  return () => {
    target.off('end', onGone);
    target.off('close', onGone);
    // 'error' stays: a connection being torn down may still report one, and nobody else may listen.
  };
}

/** Default `close`: the first of `destroy`, `disconnect`, `end`, `close` the connection has. */
async function closeAny(connection: unknown): Promise<void> {
  const target = connection as Record<string, unknown> | null;
  if (target === null || typeof target !== 'object') return;
  for (const method of ['destroy', 'disconnect', 'end', 'close']) {
    const fn = target[method];
    if (typeof fn === 'function') {
      await (fn as () => unknown).call(target);
      return;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
