/** Settings of `processFactory`. Times are in milliseconds. */
export interface ProcessFactoryOptions {
  /** Prefix of the workers' unit names (default `worker`); they are named `<name>-<n>`. */
  name?: string;
  /** Executable (default: this Node binary). */
  command?: string;
  /** Arguments, typically the worker script first. */
  args: readonly string[];
  /** Environment of the workers (default: only PATH, so the parent's secrets stay in the parent). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Spawn + readiness handshake budget (default 10 000). */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL delay at destroy (default 2 000). */
  killTimeoutMs?: number;
  /** Default bound on one request (default 30 000). */
  requestTimeoutMs?: number;
  /** Longest message line accepted from a worker, in bytes (default 1 MiB). */
  maxMessageBytes?: number;
}
