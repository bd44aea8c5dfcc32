/** One managed thing that starts and stops: a pool, a process, a server, a link. */
export interface LifecycleUnit {
  /** Unique within a manager; used in errors, events and metrics. */
  readonly name: string;
  /** Names of units that must be ready before this one starts (and stop after it). */
  readonly dependsOn?: readonly string[];
  /** Starts the unit; must give up promptly when `signal` aborts (start timeout, shutdown). */
  start(signal: AbortSignal): Promise<void>;
  /** Stops the unit; must give up promptly when `signal` aborts (stop timeout, global deadline). */
  stop(signal: AbortSignal): Promise<void>;
}
