/**
 * A growable ring buffer: O(1) push/pop at the back and shift at the front, so `lifo` and `fifo` idle
 * orders cost the same and the idle fast path allocates nothing.
 */
export class IdleDeque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private mask: number;
  length = 0;

  constructor(capacity = 16) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.items = new Array<T | undefined>(size);
    this.mask = size - 1;
  }

  push(item: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  /** Removes the most recently pushed item. */
  pop(): T | undefined {
    if (this.length === 0) return undefined;
    this.length--;
    const index = (this.head + this.length) & this.mask;
    const item = this.items[index];
    this.items[index] = undefined;
    return item;
  }

  /** Removes the oldest item. */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.items[(this.head + i) & this.mask] as T);
    return out;
  }

  /** Removes every item for which `remove` returns true, keeping the order of the others. */
  removeWhere(remove: (item: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    for (const item of this.toArray()) (remove(item) ? removed : kept).push(item);
    if (removed.length === 0) return removed;
    this.items.fill(undefined);
    this.head = 0;
    this.length = 0;
    for (const item of kept) this.push(item);
    return removed;
  }

  private grow(): void {
    const items = this.toArray();
    this.items = new Array<T | undefined>(this.items.length * 2);
    this.mask = this.items.length - 1;
    this.head = 0;
    for (let i = 0; i < items.length; i++) this.items[i] = items[i];
  }
}
