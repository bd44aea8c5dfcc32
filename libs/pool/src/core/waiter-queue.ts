import type { PoolWaiter } from './pool-waiter.js';

/** FIFO list of the waiters of one priority. */
class WaiterLane<T> {
  head: PoolWaiter<T> | undefined = undefined;
  tail: PoolWaiter<T> | undefined = undefined;
  constructor(readonly priority: number) {}
}

/**
 * The waiting line: FIFO within a priority, higher priorities first, plus a list of the same waiters
 * ordered by deadline so a single timer serves the earliest deadline. Everything is O(1) except
 * inserting a deadline earlier than the latest one (a walk back from the tail; with one timeout value
 * deadlines arrive in order and the walk stops at once).
 */
export class WaiterQueue<T> {
  size = 0;
  private readonly defaultLane = new WaiterLane<T>(0);
  /** Sorted by descending priority; usually just the default lane. */
  private lanes: WaiterLane<T>[] = [this.defaultLane];
  deadlineHead: PoolWaiter<T> | undefined = undefined;
  private deadlineTail: PoolWaiter<T> | undefined = undefined;

  push(waiter: PoolWaiter<T>): void {
    const lane = waiter.priority === 0 ? this.defaultLane : this.laneFor(waiter.priority);
    waiter.prev = lane.tail;
    waiter.next = undefined;
    if (lane.tail === undefined) lane.head = waiter;
    else lane.tail.next = waiter;
    lane.tail = waiter;
    waiter.queued = true;
    this.size++;
    if (waiter.deadline !== Number.POSITIVE_INFINITY) this.insertDeadline(waiter);
  }

  /** Removes and returns the first waiter of the highest priority. */
  shift(): PoolWaiter<T> | undefined {
    if (this.size === 0) return undefined;
    const lanes = this.lanes;
    for (let i = 0; i < lanes.length; i++) {
      const head = lanes[i].head;
      if (head !== undefined) {
        this.remove(head);
        return head;
      }
    }
    return undefined;
  }

  /** Takes a waiter out of both lists; a no-op when it already left. */
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
    if (waiter.timed) {
      if (waiter.deadlinePrev === undefined) this.deadlineHead = waiter.deadlineNext;
      else waiter.deadlinePrev.deadlineNext = waiter.deadlineNext;
      if (waiter.deadlineNext === undefined) this.deadlineTail = waiter.deadlinePrev;
      else waiter.deadlineNext.deadlinePrev = waiter.deadlinePrev;
      waiter.deadlinePrev = waiter.deadlineNext = undefined;
      waiter.timed = false;
    }
  }

  /** Every queued waiter in service order (for close and tests). */
  toArray(): PoolWaiter<T>[] {
    const out: PoolWaiter<T>[] = [];
    for (const lane of this.lanes) for (let w = lane.head; w !== undefined; w = w.next) out.push(w);
    return out;
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
    waiter.timed = true;
  }
}
