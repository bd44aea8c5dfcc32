import { Logger, type INestApplicationContext } from '@nestjs/common';
import { lifecycleNestMessages } from './lifecycle.messages.js';
import { LifecycleService } from './lifecycle.service.js';

/** Options of `enableLifecycleShutdown`. */
export interface LifecycleShutdownHandlerOptions {
  /** Signals that start the shutdown (default SIGTERM and SIGINT). */
  signals?: NodeJS.Signals[];
  /** Called with the exit status once the shutdown is over (default `process.exit`). */
  exit?: (code: number) => void;
}

/** Removes the signal listeners again (also done automatically when the app closes). */
export type LifecycleShutdownHandle = () => void;

/**
 * Installs signal handling for an app that imports `LifecycleModule`; call it right after
 * `NestFactory.create`, before `listen()`, so a signal during startup is handled too. On the first
 * signal readiness turns 503 synchronously, the app keeps serving for `delayMs`, the HTTP server
 * drains, the units stop in reverse, `app.close()` runs the other Nest hooks, and the process exits 0,
 * or 1 when a start or stop failed, the signal came before every unit was ready, or the deadline passed
 * (then one log line names the units and Nest hooks still running). A second signal exits at once
 * with 1. Use it instead of `app.enableShutdownHooks()`.
 */
export function enableLifecycleShutdown(
  app: INestApplicationContext,
  options: LifecycleShutdownHandlerOptions = {},
): LifecycleShutdownHandle {
  const service = app.get(LifecycleService);
  const deadlineMs = service.deadlineMs;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const logger = new Logger('Lifecycle');
  let running = false;
  let removed = false;

  const remove = (): void => {
    if (removed) return;
    removed = true;
    for (const signal of signals) process.removeListener(signal, onSignal);
  };

  const run = async (signal: NodeJS.Signals): Promise<void> => {
    // A signal before every unit is ready is a failed start, whatever the stop does: exit 1.
    const duringStartup = service.starting;
    // Not unref'd: a hook that never settles and holds nothing else must still end in a non-zero exit.
    const hard = setTimeout(() => {
      logger.error(lifecycleNestMessages.deadlineExceeded(deadlineMs, service.pendingWork()));
      exit(1);
    }, deadlineMs);
    let code = 0;
    try {
      await service.prepareShutdown(signal);
      // The units first: Nest runs other providers' hooks module by module, and one that hangs there
      // must not keep a pool or a process from stopping.
      await service.stopUnits();
      await app.close();
      if (service.error !== undefined) code = 1;
      if (duringStartup) {
        logger.error(lifecycleNestMessages.signalDuringStartup(signal));
        code = 1;
      }
    } catch (error) {
      logger.error(`${lifecycleNestMessages.shutdownFailed}: ${(error as Error)?.message ?? String(error)}`);
      code = 1;
    } finally {
      clearTimeout(hard);
    }
    exit(code);
  };

  function onSignal(signal: NodeJS.Signals): void {
    if (running) {
      // A second Ctrl-C: the operator does not want to wait.
      remove();
      exit(1);
      return;
    }
    running = true;
    // Synchronous: readiness answers 503 from the next request on.
    service.beginShutdown(signal);
    void run(signal);
  }

  for (const signal of signals) process.on(signal, onSignal);
  service.onClosed(remove);
  return remove;
}
