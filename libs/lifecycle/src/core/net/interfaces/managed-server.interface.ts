import type { ListenerErrorHandler } from '../safe-emitter.js';

/** Options of `ManagedServer`. */
export interface ManagedServerOptions {
  /** Label used in events and metrics (default `server`). */
  name?: string;
  /** Drain timeout used by `[Symbol.asyncDispose]` (default 10 000 ms). */
  drainTimeoutMs?: number;
  /** Receives exceptions thrown by event listeners (they never reach the server). */
  onListenerError?: ListenerErrorHandler;
}

/** Options of `ManagedServer.drain`. */
export interface DrainOptions {
  /** After this long, every remaining connection is destroyed. */
  timeoutMs: number;
  /** Aborting it acts as reaching the deadline now. */
  signal?: AbortSignal;
}

/** What a drain did. */
export interface DrainResult {
  /** True when connections had to be destroyed (deadline or abort). */
  forced: boolean;
  /** Connections closed gracefully because they were (or became) idle. */
  closedIdle: number;
  /** Connections destroyed at the deadline. */
  destroyed: number;
  /** HTTP requests that arrived during the drain and were never dispatched to the app. */
  refused: number;
}

/** Payload of the connection events: the name and the number of open connections after the change. */
export interface ServerConnectionEvent {
  server: string;
  connections: number;
}

/** Events of a `ManagedServer`. */
export interface ManagedServerEvents extends Record<string, unknown> {
  /** A connection was accepted. */
  connection: ServerConnectionEvent;
  /** A connection closed. */
  close: ServerConnectionEvent;
  /** Drain started. */
  draining: { server: string; connections: number };
  /** Drain finished. */
  drained: { server: string } & DrainResult;
  /** A request that arrived during the drain was not dispatched. */
  refused: { server: string };
}

/** `serving` → `draining` → `closed`. */
export type ManagedServerState = 'serving' | 'draining' | 'closed';
