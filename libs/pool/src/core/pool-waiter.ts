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
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;
  prev: PoolWaiter<T> | undefined = undefined;
  next: PoolWaiter<T> | undefined = undefined;
  deadlinePrev: PoolWaiter<T> | undefined = undefined;
  deadlineNext: PoolWaiter<T> | undefined = undefined;
  /** True while the waiter sits in its lane; false once served, timed out or aborted. */
  queued = false;
  /** True while the waiter sits in the deadline list. */
  timed = false;

  constructor(
    readonly owner: WaiterOwner<T>,
    readonly priority: number,
    readonly enqueuedAt: number,
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** EventListener interface: the caller's signal aborted. */
  handleEvent(): void {
    this.owner.abortWaiter(this);
  }
}
