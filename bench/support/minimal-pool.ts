/**
 * The reference pool of the benchmarks: an array of idle resources and a FIFO queue of waiters,
 * nothing else (no timeout, no creation, no events). It is the floor any real pool is compared to.
 */
export class MinimalPool<T> {
  private readonly idle: T[];
  private queue: ((resource: T) => void)[] = [];
  private head = 0;

  constructor(resources: T[]) {
    this.idle = resources.slice();
  }

  acquire(): Promise<T> {
    const resource = this.idle.pop();
    if (resource !== undefined) return Promise.resolve(resource);
    return new Promise<T>((resolve) => this.queue.push(resolve));
  }

  tryAcquire(): T | undefined {
    return this.head < this.queue.length ? undefined : this.idle.pop();
  }

  release(resource: T): void {
    if (this.head < this.queue.length) {
      const resolve = this.queue[this.head];
      this.queue[this.head++] = undefined as unknown as (resource: T) => void;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      resolve(resource);
    } else this.idle.push(resource);
  }
}
