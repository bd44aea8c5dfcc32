/** Metric names pushed by the lifecycle module. */
export const LIFECYCLE_METRICS = {
  processRestarts: 'steward_process_restarts_total',
  unitState: 'steward_unit_state',
  serverConnections: 'steward_server_connections',
  shutdownSeconds: 'steward_shutdown_seconds',
} as const;

/** Injection token of the resolved (validated, defaulted) module options. */
export const LIFECYCLE_RESOLVED_OPTIONS = Symbol('steward:lifecycle:resolved-options');
