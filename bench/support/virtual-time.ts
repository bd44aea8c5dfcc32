/**
 * Deterministic fake time for simulations: while installed, setTimeout / setInterval (and their clear
 * functions) schedule on a virtual clock, and `run()` advances it from event to event, letting every
 * promise chain settle before the next event. A simulated minute costs what its events cost, not a
 * minute, and the same seed gives the same result on any machine, however loaded.
 */
interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void;
  every: number;
  cancelled: boolean;
  unref(): VirtualTimer;
  ref(): VirtualTimer;
  hasRef(): boolean;
}

const realSetImmediate = globalThis.setImmediate;

export class VirtualTime {
  now = 0;
  /** `{ now }` for a pool's `clock` option. */
  readonly clock = { now: (): number => this.now };
  private heap: VirtualTimer[] = [];
  private seq = 0;
  private restore: (() => void) | undefined;

  /** Replaces the global timer functions until `uninstall()`. */
  install(): this {
    const g = globalThis as Record<string, unknown>;
    const saved = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'].map(
      (k) => [k, g[k]] as const,
    );
    g.setTimeout = (fn: () => void, ms = 0) => this.schedule(fn, ms, 0);
    g.setInterval = (fn: () => void, ms = 0) => this.schedule(fn, ms, Math.max(1, ms));
    g.clearTimeout = g.clearInterval = (timer: VirtualTimer | undefined) => {
      if (timer) timer.cancelled = true;
    };
    this.restore = () => {
      for (const [k, v] of saved) g[k] = v;
    };
    return this;
  }

  uninstall(): void {
    this.restore?.();
    this.restore = undefined;
  }

  /** A promise that resolves `ms` of virtual time from now. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(resolve, ms, 0));
  }

  /** Advances virtual time to `until`, firing every timer due on the way. */
  async run(until: number): Promise<void> {
    await settle();
    while (this.heap.length > 0 && this.heap[0].at <= until) {
      const at = this.heap[0].at;
      this.now = at;
      // Every timer due at this instant fires before the promise chains they start are settled.
      while (this.heap.length > 0 && this.heap[0].at === at) {
        const timer = this.pop();
        if (timer.cancelled) continue;
        if (timer.every > 0) {
          // An interval re-arms as the same object, so clearInterval on its handle still reaches it.
          timer.at = at + timer.every;
          timer.seq = this.seq++;
          this.push(timer);
        }
        timer.fn();
      }
      await settle();
    }
    this.now = Math.max(this.now, until);
  }

  private schedule(fn: () => void, ms: number, every: number): VirtualTimer {
    const timer: VirtualTimer = {
      at: this.now + Math.max(0, Number(ms) || 0),
      seq: this.seq++,
      fn,
      every,
      cancelled: false,
      unref: () => timer,
      ref: () => timer,
      hasRef: () => true,
    };
    this.push(timer);
    return timer;
  }

  private push(timer: VirtualTimer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private pop(): VirtualTimer {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Lets every pending promise reaction run: a real macrotask comes after all microtasks. */
function settle(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** Small seeded PRNG (mulberry32): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
