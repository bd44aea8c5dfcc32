import type { Clock } from '@steward/common';
import type { ListenerErrorHandler } from '../safe-emitter.js';

/** `closed` lets calls through, `open` refuses them, `half-open` admits a bounded number of probes. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of `CircuitBreaker`. */
export interface CircuitBreakerOptions {
  /** Label used in errors and events (default `circuit`). */
  name?: string;
  /** Consecutive failures that open the circuit (default 5). */
  failureThreshold?: number;
  /** Time the circuit stays open before it admits probes (default 10 000 ms). */
  coolDownMs?: number;
  /** Probes admitted at the same time while half-open (default 1). */
  halfOpenMaxProbes?: number;
  /** Successful probes that close the circuit again (default 1). */
  successThreshold?: number;
  /** Which errors count as failures (default: every error). */
  isFailure?: (error: unknown) => boolean;
  /** Time source (default `systemClock`, which Jest's fake timers control). */
  clock?: Clock;
  /** Receives exceptions thrown by event listeners. */
  onListenerError?: ListenerErrorHandler;
}

/** Events of a `CircuitBreaker`. */
export interface CircuitBreakerEvents extends Record<string, unknown> {
  /** The state changed. */
  stateChange: { circuit: string; from: CircuitState; to: CircuitState };
  /** A call was refused without being attempted. */
  rejected: { circuit: string; state: CircuitState };
}

/** Admission to one call: report exactly one outcome (later reports are ignored). */
export interface CircuitPermit {
  /** The call succeeded. */
  success(): void;
  /** The call failed (counts toward opening the circuit). */
  failure(error?: unknown): void;
  /** The call was abandoned (e.g. cancelled): releases the slot without counting either way. */
  cancel(): void;
}
