import type { Counter, LabelValues } from 'prom-client';

/** One label set of a `DeferredCounter`: the hot path increments `count`, nothing else. */
export interface CounterCell {
  count: number;
}

interface Cell<L extends string> extends CounterCell {
  readonly labels: LabelValues<L>;
}

// Every DeferredCounter on one prom-client counter (two apps in one process share the default registry).
const instances = new WeakMap<Counter<string>, Set<DeferredCounter<string>>>();

/**
 * Counts in plain numbers and hands the totals to a prom-client counter when it is read (scraped).
 * `Counter.inc(labels)` hashes its label object on every call, even through `labels()`; on a guarded
 * route that cost more than the policy decision it counts.
 */
export class DeferredCounter<L extends string> {
  private readonly cells: Cell<L>[] = [];

  constructor(private readonly counter: Counter<L>) {
    let set = instances.get(counter);
    if (set === undefined) {
      const own = new Set<DeferredCounter<string>>();
      set = own;
      instances.set(counter, own);
      // prom-client calls the `collect` option before every read of the counter's values, and `reset`
      // on `registry.resetMetrics()`; its typings declare `collect` on the configuration only.
      const target = counter as Counter<L> & { collect?: (this: Counter<L>) => unknown };
      const previousCollect = target.collect;
      target.collect = function (this: Counter<L>) {
        for (const instance of own) instance.flush();
        return previousCollect?.call(this);
      };
      const previousReset = target.reset;
      target.reset = function (this: Counter<L>) {
        for (const instance of own) instance.discard(); // counts not handed over belong to the old series
        previousReset.call(this);
      };
    }
    set.add(this as DeferredCounter<string>);
  }

  /** A cell for one label set; call once per label set and keep it. */
  cell(labels: LabelValues<L>): CounterCell {
    const cell: Cell<L> = { labels, count: 0 };
    this.cells.push(cell);
    return cell;
  }

  /** Hands the last counts over and stops: the counter no longer waits on this instance. */
  detach(): void {
    this.flush();
    instances.get(this.counter)?.delete(this as DeferredCounter<string>);
  }

  private flush(): void {
    for (const cell of this.cells) {
      if (cell.count === 0) continue;
      this.counter.inc(cell.labels, cell.count);
      cell.count = 0;
    }
  }

  private discard(): void {
    for (const cell of this.cells) cell.count = 0;
  }
}
