/** What a pool tells its budget about itself (bound once, by the pool's constructor). */
export interface ConnectionBudgetHost {
  /** The pool's name (errors, logs). */
  readonly name: string;
  /** Slots the pool would take now beyond those it has taken (waiters the limit lets in, refill to `min`). */
  demand(): number;
  /** The slots changed: the pool retires idle resources above its limit and starts the creates its demand needs. */
  budgetChanged(): void;
}

/** A snapshot of a pool's budget. */
export interface ConnectionBudgetStats {
  /** Slots this replica holds (leases granted to it). */
  held: number;
  /** Slots taken by the pool: resources alive, being created or being destroyed. */
  used: number;
  /** What this replica may use now: `held`, or less when its fair share is lower while others wait. */
  limit: number;
  /** Slots granted to this replica since it started. */
  grantedTotal: number;
  /** Requests for more slots that got none. */
  refusedTotal: number;
  /** Synchronisations that failed (the budget's store unreachable or slow); the replica kept what it held. */
  renewErrorsTotal: number;
  /** False while the last synchronisation failed. */
  synced: boolean;
}

/**
 * A share of a connection budget held by one pool (one replica), usually coordinated across processes
 * (`redisBudget` on `@steward/pool/budget`). The pool creates a resource only under a slot it took with
 * `tryTake()`, and gives the slot back with `release()` once the resource's destroy settled (or its create
 * failed). `tryTake`, `release` and `excess` run on the pool's paths: they are synchronous and touch no
 * network; the budget talks to its store in the background.
 */
export interface ConnectionBudget {
  /** Called once by the pool that uses this budget; starts no I/O. */
  bind(host: ConnectionBudgetHost): void;
  /** Takes one slot this replica already holds; false when every held slot is taken. */
  tryTake(): boolean;
  /** Gives back a slot taken by `tryTake`. */
  release(): void;
  /** The pool wants more slots than it holds: ask the store (in the background). */
  request(): void;
  /** Slots the pool uses beyond its limit (0 when within it): as many resources are retired, idle ones first. */
  excess(): number;
  /** A snapshot for stats, metrics and readiness. */
  stats(): ConnectionBudgetStats;
  /** Gives every slot back and stops its timers; called by the pool's `close()` after every destroy settled. Never rejects. */
  close(): Promise<void>;
}
