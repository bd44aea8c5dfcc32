// User-facing text of the process errors. Names only: never the arguments or environment (they may hold secrets).
export const processMessages = {
  spawnFailed: (name: string, reason: string) => `process '${name}' could not be spawned: ${reason}`,
  exitedBeforeReady: (name: string, exit: string) => `process '${name}' exited before it was ready (${exit})`,
  startTimeout: (name: string, ms: number) => `process '${name}' was not ready within ${ms} ms`,
  exited: (name: string, exit: string) => `process '${name}' exited (${exit})`,
  crashLoop: (name: string, restarts: number, windowMs: number) =>
    `process '${name}' restarted ${restarts} times within ${windowMs} ms; giving up`,
  spawnUnknown: 'unknown error',
};

/** `code 1`, `signal SIGKILL`: how an exit prints. */
export function describeExit(exit: { code: number | null; signal: string | null }): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
