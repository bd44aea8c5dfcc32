import { warnListenerThrew } from '../state/notify-listeners.js';

/** Listener map: event name to its payload type. */
export type EventMap = Record<string, unknown>;

/** Receives an exception thrown by a listener; never rethrown into the emitter's caller. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

/**
 * A small typed emitter whose listeners cannot break the code that emits: a throwing listener (a
 * metric, a log line) is reported to `onListenerError` and the remaining listeners still run.
 */
export class SafeEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<(payload: never) => void>>();

  constructor(private readonly onListenerError: ListenerErrorHandler = warn) {}

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof E>(event: K, listener: (payload: E[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => this.off(event, listener);
  }

  /** Removes one listener. */
  off<K extends keyof E>(event: K, listener: (payload: E[K]) => void): void {
    this.listeners.get(event)?.delete(listener as (payload: never) => void);
  }

  /** Number of listeners of `event` (tests use it to check nothing leaks). */
  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Calls each listener in subscription order; exceptions go to the error handler. */
  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: E[K]) => void)(payload);
      } catch (error) {
        try {
          this.onListenerError(error, String(event));
        } catch {
          // The error handler itself failed: nothing safe is left to do with it.
        }
      }
    }
  }

  /** Drops every listener. */
  removeAll(): void {
    this.listeners.clear();
  }
}

/** Default handler: visible as a process warning, never thrown. */
function warn(error: unknown, event: string): void {
  warnListenerThrew(`'${event}'`, error);
}
