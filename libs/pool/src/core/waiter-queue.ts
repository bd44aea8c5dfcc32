import { WaiterTiming, type PoolWaiter } from './pool-waiter.js';

/** FIFO list of the waiters of one priority. */
class WaiterLane<T> {
  head: PoolWaiter<T> | undefined = undefined;
  tail: PoolWaiter<T> | undefined = undefined;
  constructor(readonly priority: number) {}
}

/**
 * The waiting line: FIFO within a priority, higher priorities first. Waiters with a timeout also sit
 * in a timing list: first unstamped (joining costs no clock read), then, once the pool's deadline tick
 * has stamped them, ordered by deadline. Joining and leaving are O(1); stamping is O(1) per waiter when
 * every waiter has the same timeout (a walk back from the tail otherwise).
 */
export class WaiterQueue<T> {
  size = 0;
  private readonly defaultLane = new WaiterLane<T>(0);
  /** Sorted by descending priority; usually just the default lane. */
  private readonly lanes: WaiterLane<T>[] = [this.defaultLane];
  private unstampedHead: PoolWaiter<T> | undefined = undefined;
  private unstampedTail: PoolWaiter<T> | undefined = undefined;
  /** The waiter with the earliest deadline. */
  deadlineHead: PoolWaiter<T> | undefined = undefined;
  private deadlineTail: PoolWaiter<T> | undefined = undefined;

  /** True while some queued waiter has a timeout. */
  get hasTimed(): boolean {
    return this.unstampedHead !== undefined || this.deadlineHead !== undefined;
  }

  push(waiter: PoolWaiter<T>): void {
    const lane = waiter.priority === 0 ? this.defaultLane : this.laneFor(waiter.priority);
    waiter.prev = lane.tail;
    waiter.next = undefined;
    if (lane.tail === undefined) lane.head = waiter;
    else lane.tail.next = waiter;
    lane.tail = waiter;
    waiter.queued = true;
    this.size++;
    if (waiter.timeoutMs !== Number.POSITIVE_INFINITY) {
      waiter.deadlinePrev = this.unstampedTail;
      waiter.deadlineNext = undefined;
      if (this.unstampedTail === undefined) this.unstampedHead = waiter;
      else this.unstampedTail.deadlineNext = waiter;
      this.unstampedTail = waiter;
      waiter.timing = WaiterTiming.Unstamped;
    }
  }

  /** Removes and returns the first waiter of the highest priority. */
  shift(): PoolWaiter<T> | undefined {
    if (this.size === 0) return undefined;
    let lane = this.defaultLane;
    if (this.lanes.length > 1) {
      let i = 0;
      while (this.lanes[i].head === undefined) i++;
      lane = this.lanes[i];
    }
    const waiter = lane.head!;
    lane.head = waiter.next;
    if (lane.head === undefined) {
      lane.tail = undefined;
      if (lane !== this.defaultLane) this.lanes.splice(this.lanes.indexOf(lane), 1);
    } else lane.head.prev = undefined;
    waiter.next = undefined;
    waiter.queued = false;
    this.size--;
    if (waiter.timing !== WaiterTiming.None) this.untime(waiter);
    return waiter;
  }

  /** Takes a waiter out of every list; a no-op when it already left. */
  remove(waiter: PoolWaiter<T>): void {
    if (waiter.queued) {
      const lane = waiter.priority === 0 ? this.defaultLane : this.laneFor(waiter.priority);
      if (waiter.prev === undefined) lane.head = waiter.next;
      else waiter.prev.next = waiter.next;
      if (waiter.next === undefined) lane.tail = waiter.prev;
      else waiter.next.prev = waiter.prev;
      waiter.prev = waiter.next = undefined;
      waiter.queued = false;
      this.size--;
      if (lane.head === undefined && lane !== this.defaultLane)
        this.lanes.splice(this.lanes.indexOf(lane), 1);
    }
    if (waiter.timing !== WaiterTiming.None) this.untime(waiter);
  }

  private untime(waiter: PoolWaiter<T>): void {
    const prev = waiter.deadlinePrev;
    const next = waiter.deadlineNext;
    if (waiter.timing === WaiterTiming.Unstamped) {
      if (prev === undefined) this.unstampedHead = next;
      else prev.deadlineNext = next;
      if (next === undefined) this.unstampedTail = prev;
      else next.deadlinePrev = prev;
    } else {
      if (prev === undefined) this.deadlineHead = next;
      else prev.deadlineNext = next;
      if (next === undefined) this.deadlineTail = prev;
      else next.deadlinePrev = prev;
    }
    waiter.deadlinePrev = waiter.deadlineNext = undefined;
    waiter.timing = WaiterTiming.None;
  }

  /**
   * Gives every unstamped waiter its deadline, `now + timeoutMs`. `now` is read after the waiter
   * joined, so a deadline is never earlier than the caller's (it can be later by one tick).
   */
  stamp(now: number): void {
    let waiter = this.unstampedHead;
    this.unstampedHead = this.unstampedTail = undefined;
    while (waiter !== undefined) {
      const next = waiter.deadlineNext;
      // Rounded up: whole milliseconds, and never earlier than the exact deadline.
      waiter.deadline = Math.ceil(now + waiter.timeoutMs);
      this.insertDeadline(waiter);
      waiter = next;
    }
  }

  private laneFor(priority: number): WaiterLane<T> {
    const lanes = this.lanes;
    let i = 0;
    while (i < lanes.length && lanes[i].priority > priority) i++;
    if (i < lanes.length && lanes[i].priority === priority) return lanes[i];
    const lane = new WaiterLane<T>(priority);
    lanes.splice(i, 0, lane);
    return lane;
  }

  private insertDeadline(waiter: PoolWaiter<T>): void {
    let after = this.deadlineTail;
    while (after !== undefined && after.deadline > waiter.deadline) after = after.deadlinePrev;
    waiter.deadlinePrev = after;
    if (after === undefined) {
      waiter.deadlineNext = this.deadlineHead;
      this.deadlineHead = waiter;
    } else {
      waiter.deadlineNext = after.deadlineNext;
      after.deadlineNext = waiter;
    }
    if (waiter.deadlineNext === undefined) this.deadlineTail = waiter;
    else waiter.deadlineNext.deadlinePrev = waiter;
    waiter.timing = WaiterTiming.Stamped;
  }
}
