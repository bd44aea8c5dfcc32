import { spawn, type ChildProcess } from 'node:child_process';
import { PROCESS_TREE_ENV } from './process-tree.js';

// Waits for EOF on stdin (the service died: the kernel closed the pipe's write end), then SIGKILLs the
// run's process group and, where /proc exists, every process that carries the run's marker.
const SCRIPT = `
cat >/dev/null
kill -KILL -- "-$1" 2>/dev/null
for d in /proc/[0-9]*; do
  p=\${d#/proc/}
  [ "$p" = "$$" ] && continue
  if tr '\\0' '\\n' < "$d/environ" 2>/dev/null | grep -qx "${PROCESS_TREE_ENV}=$2"; then kill -KILL "$p" 2>/dev/null; fi
done
`;

/**
 * A watchdog for one run that outlives the service: when the service dies abruptly (SIGKILL, OOM
 * kill), its end of a pipe closes and the watchdog kills what the run left. Node cannot set a
 * parent-death signal on a child, so a pipe is the portable lifeline. POSIX only; on Windows, none.
 */
export class Lifeline {
  private constructor(private readonly watchdog: ChildProcess) {}

  /** Starts a watchdog for group `pgid` and marker `token`; undefined where there is no `/bin/sh`. */
  static start(pgid: number, token: string): Lifeline | undefined {
    if (process.platform === 'win32') return undefined;
    let watchdog: ChildProcess;
    try {
      // detached: its own session, so a signal to the service's group (Ctrl-C) does not reach it.
      watchdog = spawn('/bin/sh', ['-c', SCRIPT, 'steward-lifeline', String(pgid), token], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
    } catch {
      return undefined;
    }
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    // Neither the watchdog nor its pipe may keep the service alive.
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return new Lifeline(watchdog);
  }

  /** Ends the watchdog without letting it kill anything: the run is over and was stopped properly. */
  end(): void {
    if (this.watchdog.exitCode === null && this.watchdog.signalCode === null) this.watchdog.kill('SIGKILL');
    this.watchdog.stdin?.destroy();
  }
}
