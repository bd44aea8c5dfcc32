import type { PoolEventListener, PoolEventMap, PoolEventName } from './interfaces/pool-events.interface.js';

type ListenerTable<T> = { [K in PoolEventName]?: PoolEventListener<T, K>[] };

/**
 * A small typed emitter that cannot hurt the pool: with no listener an emit costs one property read,
 * and a listener that throws is counted (and passed to `onListenerError`) instead of propagating.
 */
export class PoolEventEmitter<T> {
  private listeners: ListenerTable<T> = {};
  /** Listener exceptions swallowed so far. */
  listenerErrors = 0;
  /** Hot-path flags: the pool builds these payloads only when someone listens. */
  hasAcquire = false;
  hasRelease = false;

  constructor(private readonly onListenerError?: (error: unknown, event: PoolEventName) => void) {}

  /** Adds a listener. */
  on<K extends PoolEventName>(event: K, listener: PoolEventListener<T, K>): this {
    const list = (this.listeners[event] ??= []) as PoolEventListener<T, K>[];
    list.push(listener);
    this.refresh();
    return this;
  }

  /** Removes a listener added with `on`. */
  off<K extends PoolEventName>(event: K, listener: PoolEventListener<T, K>): this {
    const list = this.listeners[event] as PoolEventListener<T, K>[] | undefined;
    if (!list) return this;
    const index = list.indexOf(listener);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.listeners[event] = undefined;
    this.refresh();
    return this;
  }

  /** True when `event` has at least one listener: lets hot paths skip building a payload. */
  has(event: PoolEventName): boolean {
    return this.listeners[event] !== undefined;
  }

  /** Number of listeners of all events. */
  count(): number {
    let n = 0;
    for (const list of Object.values(this.listeners)) n += (list as unknown[] | undefined)?.length ?? 0;
    return n;
  }

  emit<K extends PoolEventName>(event: K, payload: PoolEventMap<T>[K]): void {
    const list = this.listeners[event] as PoolEventListener<T, K>[] | undefined;
    if (list === undefined) return;
    // A copy only when there is more than one listener: a listener may remove itself while we iterate.
    const targets = list.length === 1 ? list : list.slice();
    for (let i = 0; i < targets.length; i++) {
      try {
        targets[i](payload);
      } catch (error) {
        this.listenerErrors++;
        if (this.onListenerError) {
          try {
            this.onListenerError(error, event);
          } catch {
            // The error hook is user code too; nothing thrown here may reach the pool.
          }
        }
      }
    }
  }

  /** Drops every listener (on close). */
  clear(): void {
    this.listeners = {};
    this.refresh();
  }

  private refresh(): void {
    this.hasAcquire = this.has('acquire');
    this.hasRelease = this.has('release');
  }
}
