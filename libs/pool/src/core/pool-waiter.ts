/** Timing lists of a waiter. */
export const WaiterTiming = { None: 0, Unstamped: 1, Stamped: 2 } as const;
export type WaiterTiming = (typeof WaiterTiming)[keyof typeof WaiterTiming];

/** What a queued waiter needs from its pool: a way to leave the queue when its signal aborts. */
export interface WaiterOwner<T> {
  abortWaiter(waiter: PoolWaiter<T>): void;
}

/**
 * One queued `acquire()`. It is a node of two intrusive doubly linked lists (its priority lane and the
 * deadline order), so joining and leaving the queue are O(1) and allocate nothing besides the waiter.
 * It is also the abort listener itself (`handleEvent`), so no closure is made per waiter.
 */
export class PoolWaiter<T> {
  // Set by the Promise executor right after construction; initialised here so the shape never changes.
  // Only `resolve` is kept: failing resolves with a rejected promise, one field less per waiter.
  resolve: (value: T | PromiseLike<T>) => void = noop;
  prev: PoolWaiter<T> | undefined = undefined;
  next: PoolWaiter<T> | undefined = undefined;
  deadlinePrev: PoolWaiter<T> | undefined = undefined;
  deadlineNext: PoolWaiter<T> | undefined = undefined;
  /** True while the waiter sits in its lane; false once served, timed out or aborted. */
  queued = false;
  /** Which timing list holds the waiter: none, waiting for its deadline stamp, or ordered by deadline. */
  timing: WaiterTiming = WaiterTiming.None;
  /** The borrower's stack, with leak detection only. */
  stack: string | undefined = undefined;
  /**
   * Set by the deadline tick that first sees the waiter (`timing` says whether it has). Whole milliseconds
   * keep it a small integer: a double field would cost a boxed number per waiter.
   */
  deadline = 0;

  constructor(
    readonly owner: WaiterOwner<T>,
    readonly priority: number,
    /** Infinity when the waiter waits without a deadline. */
    readonly timeoutMs: number,
    /** True when a feature measures waits; the hot path reads no clock. */
    readonly measured: boolean,
    /** Clock time of the call when `measured`. */
    readonly enqueuedAt: number,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** Settles the caller's promise with `error` (rare path: costs one extra promise). */
  fail(error: unknown): void {
    this.resolve(Promise.reject(error));
  }

  /** EventListener interface: the caller's signal aborted. */
  handleEvent(): void {
    this.owner.abortWaiter(this);
  }
}

function noop(): void {}
