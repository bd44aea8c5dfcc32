import type { Lease } from './interfaces/lease.interface.js';
import type { PooledResource } from './pooled-resource.js';

/** What a lease needs from its pool. */
export interface LeaseOwner<T> {
  releaseLease(lease: PoolLease<T>): void;
  destroyLease(lease: PoolLease<T>): Promise<void>;
}

/** Lease states: held, then released / destroyed / reclaimed (all final). */
export const LeaseState = { Held: 0, Released: 1, Destroyed: 2, Revoked: 3 } as const;
export type LeaseState = (typeof LeaseState)[keyof typeof LeaseState];

/** One loan: a fresh object per acquire, so a stale lease can never return someone else's loan. */
export class PoolLease<T> implements Lease<T> {
  state: LeaseState = LeaseState.Held;
  readonly resource: T;
  /** Set once a 'leak' event was raised for this lease. */
  leakReported = false;

  constructor(
    readonly owner: LeaseOwner<T>,
    readonly entry: PooledResource<T>,
    /** True when a feature (events, leak detection, adaptive sizing) needed the loan time. */
    readonly timed: boolean,
    /** Clock time of the loan when `timed`. */
    readonly acquiredAt: number,
    /** The borrower's stack, captured only with leak detection on. */
    readonly stack: string | undefined,
  ) {
    this.resource = entry.resource;
  }

  /** Returns the resource; a no-op when already released, destroyed or reclaimed. */
  release(): void {
    this.owner.releaseLease(this);
  }

  /** Destroys the resource instead of returning it. */
  destroy(): Promise<void> {
    return this.owner.destroyLease(this);
  }

  /** `await using`: releases the lease. */
  [Symbol.asyncDispose](): Promise<void> {
    this.owner.releaseLease(this);
    return Promise.resolve();
  }
}
