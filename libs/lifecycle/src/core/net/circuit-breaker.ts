import { OptionChecker, systemClock, type Clock } from '@steward/common';
import type {
  CircuitBreakerEvents,
  CircuitBreakerOptions,
  CircuitPermit,
  CircuitState,
} from './interfaces/circuit-breaker.interface.js';
import { CircuitOpenError } from './net.errors.js';
import { SafeEmitter } from './safe-emitter.js';

/**
 * A consecutive-failure circuit breaker. Open → half-open happens lazily on the next call once the
 * cool-down has passed, so the breaker owns no timer. While half-open at most `halfOpenMaxProbes`
 * calls run at once; every other call is refused, which keeps a recovering peer from being flooded.
 */
export class CircuitBreaker {
  /** Label used in errors and events. */
  readonly name: string;
  private readonly failureThreshold: number;
  private readonly coolDownMs: number;
  private readonly halfOpenMaxProbes: number;
  private readonly successThreshold: number;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly clock: Clock;
  private readonly events: SafeEmitter<CircuitBreakerEvents>;
  private current: CircuitState = 'closed';
  private failures = 0;
  private probeSuccesses = 0;
  private probesInFlight = 0;
  private openedAt = 0;
  /** Bumped on every transition: outcomes of calls admitted in an earlier state are ignored. */
  private generation = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.name = options.name ?? 'circuit';
    const check = new OptionChecker(`circuit breaker '${this.name}'`);
    check.integer('failureThreshold', options.failureThreshold, 1);
    check.number('coolDownMs', options.coolDownMs, 0);
    check.integer('halfOpenMaxProbes', options.halfOpenMaxProbes, 1);
    check.integer('successThreshold', options.successThreshold, 1);
    check.throwIfAny();
    this.failureThreshold = options.failureThreshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 10_000;
    this.halfOpenMaxProbes = options.halfOpenMaxProbes ?? 1;
    this.successThreshold = options.successThreshold ?? 1;
    this.isFailure = options.isFailure ?? (() => true);
    this.clock = options.clock ?? systemClock;
    this.events = new SafeEmitter<CircuitBreakerEvents>(options.onListenerError);
  }

  /** The state now (moves open → half-open when the cool-down has passed). */
  get state(): CircuitState {
    this.refresh();
    return this.current;
  }

  /** Subscribes to `stateChange` or `rejected`; returns the unsubscribe function. */
  on<K extends keyof CircuitBreakerEvents>(
    event: K,
    listener: (payload: CircuitBreakerEvents[K]) => void,
  ): () => void {
    return this.events.on(event, listener);
  }

  /** Admits one call, or returns `undefined` when the circuit refuses it. */
  tryAcquire(): CircuitPermit | undefined {
    this.refresh();
    if (
      this.current === 'open' ||
      (this.current === 'half-open' && this.probesInFlight >= this.halfOpenMaxProbes)
    ) {
      this.events.emit('rejected', { circuit: this.name, state: this.current });
      return undefined;
    }
    const generation = this.generation;
    const probe = this.current === 'half-open';
    if (probe) this.probesInFlight++;
    let settled = false;
    const settle = (outcome: 'success' | 'failure' | 'cancel'): void => {
      if (settled) return;
      settled = true;
      if (generation !== this.generation) return;
      if (probe) this.probesInFlight--;
      if (outcome === 'success') this.onSuccess(probe);
      else if (outcome === 'failure') this.onFailure();
    };
    return {
      success: () => settle('success'),
      failure: (error?: unknown) => settle(this.isFailure(error) ? 'failure' : 'success'),
      cancel: () => settle('cancel'),
    };
  }

  /** Runs `operation` through the breaker; rejects with `CircuitOpenError` without calling it when refused. */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    const permit = this.tryAcquire();
    if (!permit) throw new CircuitOpenError(this.name);
    try {
      const result = await operation();
      permit.success();
      return result;
    } catch (error) {
      permit.failure(error);
      throw error;
    }
  }

  /** Closes the circuit and forgets every count (an operator override, or tests). */
  reset(): void {
    this.transition('closed');
  }

  private refresh(): void {
    if (this.current === 'open' && this.clock.now() - this.openedAt >= this.coolDownMs) {
      this.transition('half-open');
    }
  }

  private onSuccess(probe: boolean): void {
    if (!probe) {
      this.failures = 0;
      return;
    }
    if (++this.probeSuccesses >= this.successThreshold) this.transition('closed');
  }

  private onFailure(): void {
    // A failed probe re-opens at once; in the closed state it takes `failureThreshold` in a row.
    if (this.current === 'half-open' || ++this.failures >= this.failureThreshold) this.transition('open');
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    this.generation++;
    this.current = to;
    this.failures = 0;
    this.probeSuccesses = 0;
    this.probesInFlight = 0;
    if (to === 'open') this.openedAt = this.clock.now();
    if (from !== to) this.events.emit('stateChange', { circuit: this.name, from, to });
  }
}
