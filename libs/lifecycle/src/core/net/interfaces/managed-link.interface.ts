import type { BackoffOptions, RandomSource } from '@steward/common';
import type { CircuitBreaker } from '../circuit-breaker.js';
import type { ListenerErrorHandler } from '../safe-emitter.js';
import type { CircuitBreakerOptions } from './circuit-breaker.interface.js';

/** `idle` → `connecting` → `connected` ⇄ `reconnecting`; `failed` when retries run out; `closed` for good. */
export type LinkState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

/** Retry settings of connects: full-jitter exponential backoff with a cap. */
export interface LinkRetryOptions extends BackoffOptions {
  /** Connect attempts before giving up, per (re)connect cycle (default: unlimited). */
  maxAttempts?: number;
}

/** Options of `ManagedLink`. */
export interface ManagedLinkOptions<C> {
  /** Label used in errors, events and as the lifecycle unit name (default `link`). */
  name?: string;
  /** Units this link starts after, when added to a `LifecycleManager`. */
  dependsOn?: readonly string[];
  /** Opens one connection; must give up (and release what it opened) when `signal` aborts. */
  connect: (signal: AbortSignal) => Promise<C>;
  /** Releases a connection (default: `destroy()`, `end()` or `close()` when present). */
  close?: (connection: C) => unknown;
  /**
   * Calls `lost` when the connection dies and returns an unsubscribe function. Default: listens for
   * `'close'` on connections that are event emitters (net sockets, pg and Redis clients).
   */
  watch?: (connection: C, lost: (error?: unknown) => void) => () => void;
  /** Errors from `run` that mean the connection is broken, so the link reconnects (default: none). */
  isConnectionError?: (error: unknown) => boolean;
  /** Deadline of one connect attempt (default 10 000 ms). */
  connectTimeoutMs?: number;
  /** Connect retry backoff (default base 100 ms, cap 30 000 ms, unlimited attempts). */
  retry?: Partial<LinkRetryOptions>;
  /** The breaker `run` goes through: an instance, its options, or `false` for none (default options). */
  breaker?: CircuitBreaker | CircuitBreakerOptions | false;
  /** Jitter source (tests pin it). */
  random?: RandomSource;
  /** Receives exceptions thrown by event listeners. */
  onListenerError?: ListenerErrorHandler;
}

/** Options of one `ManagedLink.run` call. */
export interface LinkRunOptions {
  /** The caller's cancellation; linked by hand, so a long-lived signal does not accumulate listeners. */
  signal?: AbortSignal;
  /** Aborts the operation (and the wait for a connection) after this long. */
  timeoutMs?: number;
}

/** Events of a `ManagedLink`, emitted in this order around a peer restart: disconnected → reconnecting → connected. */
export interface ManagedLinkEvents extends Record<string, unknown> {
  connecting: { link: string; attempt: number };
  connected: { link: string; attempt: number };
  /** A connect attempt failed; another one follows unless attempts ran out. */
  connectFailed: { link: string; attempt: number; error: unknown };
  disconnected: { link: string; error?: unknown };
  /** A reconnect attempt is scheduled after `delayMs`. */
  reconnecting: { link: string; attempt: number; delayMs: number };
  failed: { link: string; error: unknown };
  closed: { link: string };
}
