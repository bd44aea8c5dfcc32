import { StewardError } from '@steward/common';
import type { ProcessExit } from './exit-classification.js';
import { describeExit, processMessages } from './process.messages.js';

/** The binary could not be spawned (missing, not executable…); never restarted. */
export class ProcessSpawnError extends StewardError {
  constructor(
    readonly process: string,
    cause: unknown,
  ) {
    const errno = cause as NodeJS.ErrnoException | undefined;
    const code = typeof errno?.code === 'string' ? errno.code : undefined;
    // Node's spawn error carries `spawnargs` and `path`, and arguments may hold secrets: keep the code only.
    super(
      'PROCESS_SPAWN_FAILED',
      processMessages.spawnFailed(process, code ?? processMessages.spawnUnknown),
      {
        cause: code === undefined ? undefined : { code, syscall: errno?.syscall },
      },
    );
  }
}

/** The process did not become ready: it exited first, or the start timeout passed. */
export class ProcessStartError extends StewardError {
  constructor(
    readonly process: string,
    readonly exit: ProcessExit,
    readonly timeoutMs?: number,
  ) {
    super(
      exit.kind === 'timeout' ? 'PROCESS_START_TIMEOUT' : 'PROCESS_START_FAILED',
      exit.kind === 'timeout'
        ? processMessages.startTimeout(process, timeoutMs ?? 0)
        : processMessages.exitedBeforeReady(process, describeExit(exit)),
    );
  }
}

/** An unexpected exit of a running process; carried by the `crashed` / `failed` transition. */
export class ProcessExitError extends StewardError {
  constructor(
    readonly process: string,
    readonly exit: ProcessExit,
  ) {
    super('PROCESS_EXITED', processMessages.exited(process, describeExit(exit)));
  }
}

/** Too many restarts inside the crash-loop window: the process is `failed` and stays down. */
export class ProcessCrashLoopError extends StewardError {
  constructor(
    readonly process: string,
    readonly restarts: number,
    readonly windowMs: number,
    readonly lastExit: ProcessExit,
  ) {
    super('PROCESS_CRASH_LOOP', processMessages.crashLoop(process, restarts, windowMs));
  }
}
