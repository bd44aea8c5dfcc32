import type { BackoffOptions, Clock, RandomSource } from '@steward/common';
import type { RestartPolicy } from '../process/exit-classification.js';

/** When a spawned process counts as ready. */
export type ProcessReadiness =
  /** As soon as it has spawned. */
  | { type: 'spawn' }
  /** On an IPC message: `'ready'` or `{ type: 'ready' }` unless `match` says otherwise. */
  | { type: 'ipc'; match?: (message: unknown) => boolean }
  /** On the first stdout line that contains the string or matches the pattern. */
  | { type: 'stdout'; match: string | RegExp }
  /** When a TCP connect to `host:port` succeeds (polled every `intervalMs`, default 50). */
  | { type: 'port'; port: number; host?: string; intervalMs?: number };

/** Settings of one `ManagedProcess`. Times are in milliseconds. */
export interface ManagedProcessOptions {
  /** Unique unit name; used in errors, events and metrics (never the command line). */
  name: string;
  command: string;
  args?: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Units that must be ready first when the process runs under a `LifecycleManager`. */
  dependsOn?: readonly string[];
  /** Readiness handshake (default `{ type: 'spawn' }`). */
  readiness?: ProcessReadiness;
  /** Budget for spawn + readiness (default 10 000). */
  startTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL to the process group (default 5 000). */
  killTimeoutMs?: number;
  /** Bounded wait for `'close'` after `'exit'` (a grandchild may hold the pipes; default 1 000). */
  closeTimeoutMs?: number;
  /** Bytes of stdout and of stderr kept (the last ones; default 64 KiB each). */
  outputLimitBytes?: number;
  /** systemd-style restart policy (default `on-failure`). */
  restart?: RestartPolicy;
  /** Restart backoff with full jitter (default base 100, max 30 000). */
  backoff?: BackoffOptions;
  /** Uptime after which the backoff starts again from its base (default 10 000). */
  stableAfterMs?: number;
  /** `maxRestarts` restarts within `windowMs` end in `failed` (default 5 in 60 000). */
  crashLoop?: { maxRestarts: number; windowMs: number };
  /** Injected for tests. */
  clock?: Clock;
  random?: RandomSource;
}
