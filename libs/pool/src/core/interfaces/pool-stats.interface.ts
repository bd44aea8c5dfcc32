import type { ConnectionBudgetStats } from './connection-budget.interface.js';

/** A point-in-time snapshot of a pool. */
export interface PoolStats {
  name: string;
  min: number;
  max: number;
  /** The adaptive limit (equals `max` without adaptive sizing). */
  effectiveMax: number;
  /** Alive resources, borrowed included, creating excluded. */
  size: number;
  idle: number;
  borrowed: number;
  creating: number;
  /** Resources whose destroy has not settled: they still count against `max` (at most `destroyTimeoutMs`). */
  destroying: number;
  waiting: number;
  createdTotal: number;
  destroyedTotal: number;
  acquiredTotal: number;
  timeoutsTotal: number;
  createErrorsTotal: number;
  leaksTotal: number;
  /** Listener exceptions swallowed by the pool. */
  listenerErrorsTotal: number;
  /** Message of the last failed create, if any. */
  lastCreateError?: string;
  /** The connection budget's share, when the pool has one. */
  budget?: ConnectionBudgetStats;
  closed: boolean;
}
