import type { DestroyReason } from './interfaces/pool-events.interface.js';
import type { IdleNode } from './idle-list.js';
import type { PoolLease } from './pool-lease.js';

/** Where a pooled resource is. */
export const ResourceState = {
  Idle: 0,
  Borrowed: 1,
  /** Out of the idle list for validation or reset; comes back through the pool's `offer`. */
  Busy: 2,
  Destroyed: 3,
} as const;
export type ResourceState = (typeof ResourceState)[keyof typeof ResourceState];

/** The pool's bookkeeping around one resource. */
export class PooledResource<T> implements IdleNode<PooledResource<T>> {
  state: ResourceState = ResourceState.Busy;
  /** Links of the idle list, set while `state` is Idle. */
  idlePrev: PooledResource<T> | undefined = undefined;
  idleNext: PooledResource<T> | undefined = undefined;
  uses = 0;
  lease: PoolLease<T> | undefined = undefined;
  /** Set when the resource must be destroyed on its return (expired, resized away, …). */
  retire: DestroyReason | undefined = undefined;
  /** When the resource was last returned or validated; stamped only when a feature needs it. */
  lastUsedAt: number;
  /** Start of the current idle period as seen by `maintain()` (keeps the clock off the hot path). */
  idleSince: number;
  /** `uses` when `idleSince` was stamped: a different count means it was borrowed in between. */
  idleStampUses = 0;

  constructor(
    readonly resource: T,
    readonly generation: number,
    readonly createdAt: number,
    /** Creation time plus the lifetime with its jitter, sampled once. */
    readonly expiresAt: number,
  ) {
    this.lastUsedAt = createdAt;
    this.idleSince = createdAt;
  }
}
