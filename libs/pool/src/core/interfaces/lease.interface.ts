/**
 * One loan of a resource. `release()` returns it (a second call is a no-op), `destroy()` retires it,
 * and `await using lease = await pool.acquire()` releases it at the end of the scope.
 */
export interface Lease<T> extends AsyncDisposable {
  /** The borrowed resource; do not keep it after release. */
  readonly resource: T;
  /** Returns the resource to the pool; idempotent, and a no-op after `destroy()` or a reclaim. */
  release(): void;
  /** Destroys the resource instead of returning it; resolves once the factory has destroyed it. */
  destroy(): Promise<void>;
}
