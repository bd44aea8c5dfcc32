/** How a pool makes, checks and disposes of one kind of resource. Adapters (pg, ioredis, …) implement it. */
export interface ResourceFactory<T> {
  /** Opens one resource. Must honour `signal`: the pool aborts it at `createTimeoutMs` or on close. */
  create(signal: AbortSignal): Promise<T>;
  /** Closes one resource. Should not throw for an already broken resource; the pool bounds it by `destroyTimeoutMs`. */
  destroy(resource: T): Promise<void>;
  /** Resolves true when the resource still works (e.g. `SELECT 1`); bounded by `validateTimeoutMs`. */
  validate?(resource: T, signal: AbortSignal): Promise<boolean>;
  /** Returns a borrowed resource to a clean state before it goes idle (e.g. `DISCARD ALL`). */
  reset?(resource: T): Promise<void>;
  /** True when `error`, thrown while using the resource, means the resource itself is dead. */
  isBroken?(error: unknown): boolean;
}
