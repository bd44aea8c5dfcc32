/** Name of the pool registered without an explicit `name`; the one injectable by the `Pool` class. */
export const DEFAULT_POOL_NAME = 'default';

/** Default period of the Nest-driven `maintain()` pass, when the options give none. */
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 10_000;

/** Default bound on the graceful drain at shutdown before the pool is closed anyway. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** Prometheus metric names, as listed in DESIGN.md. */
export const POOL_METRICS = {
  resources: 'steward_pool_resources',
  waiting: 'steward_pool_waiting',
  acquireSeconds: 'steward_pool_acquire_seconds',
  leaseSeconds: 'steward_pool_lease_seconds',
  timeouts: 'steward_pool_timeouts_total',
  createErrors: 'steward_pool_create_errors_total',
  destroyed: 'steward_pool_destroyed_total',
  leaks: 'steward_pool_leaks_total',
  budgetSlots: 'steward_pool_budget_slots',
  budgetGranted: 'steward_pool_budget_granted_total',
  budgetRefused: 'steward_pool_budget_refused_total',
  budgetRenewErrors: 'steward_pool_budget_renew_errors_total',
} as const;
