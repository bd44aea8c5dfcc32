/**
 * How a process ended, in systemd's terms: `clean` is exit code 0 or death by SIGHUP, SIGINT,
 * SIGTERM or SIGPIPE; `exit-code` a non-zero code; `signal` any other signal (SIGKILL, SIGSEGV…);
 * `timeout` a start that never became ready; `spawn-error` a process that never ran.
 */
export type ExitKind = 'clean' | 'exit-code' | 'signal' | 'timeout' | 'spawn-error';

/** One end of a process run. */
export interface ProcessExit {
  readonly kind: ExitKind;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Restart policy, as systemd's `Restart=no | on-failure | always`. */
export type RestartPolicy = 'never' | 'on-failure' | 'always';

const CLEAN_SIGNALS: ReadonlySet<string> = new Set(['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGPIPE']);

/** Classifies an `'exit'` event's `(code, signal)` the way systemd does. */
export function classifyExit(code: number | null, signal: NodeJS.Signals | null): ProcessExit {
  if (signal) return { kind: CLEAN_SIGNALS.has(signal) ? 'clean' : 'signal', code, signal };
  return { kind: code === 0 ? 'clean' : 'exit-code', code, signal };
}

/** Whether `policy` restarts after an exit of this kind (systemd's table; spawn errors never restart). */
export function shouldRestart(policy: RestartPolicy, kind: ExitKind): boolean {
  if (kind === 'spawn-error' || policy === 'never') return false;
  return policy === 'always' || kind !== 'clean';
}
