/** Shutdown budget; every time is in milliseconds and must fit inside `deadlineMs`. */
export interface LifecycleShutdownOptions {
  /** Time the app keeps serving after readiness turns 503, so load balancers stop sending (default 5 000). */
  delayMs?: number;
  /** Time the HTTP server gets to finish in-flight requests before sockets are destroyed (default 10 000). */
  drainTimeoutMs?: number;
  /** Default per-unit stop timeout (default 5 000). */
  stopTimeoutMs?: number;
  /** Whole shutdown, signal to exit; Kubernetes' grace period is 30 s (default 25 000). */
  deadlineMs?: number;
}

/** Options of `LifecycleModule.forRoot` / `forRootAsync`. */
export interface LifecycleModuleOptions {
  shutdown?: LifecycleShutdownOptions;
  /** Default per-unit start timeout (default 30 000). */
  startTimeoutMs?: number;
}

/** The options once defaults are applied and the budget is checked. */
export interface ResolvedLifecycleOptions {
  readonly delayMs: number;
  readonly drainTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly deadlineMs: number;
  readonly startTimeoutMs: number;
  /** What is left for the units after the delay and the drain. */
  readonly unitStopBudgetMs: number;
}
