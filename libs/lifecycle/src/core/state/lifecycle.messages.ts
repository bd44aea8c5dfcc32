// User-facing text of the lifecycle errors, in one place.
export const lifecycleMessages = {
  illegalTransition: (subject: string, from: string, to: string) =>
    `${subject}: illegal transition ${from} → ${to}`,
  startFailed: (unit: string, cause: string) => `unit '${unit}' failed to start: ${cause}`,
  startTimeout: (unit: string, ms: number) => `unit '${unit}' did not start within ${ms} ms`,
  stopTimeout: (unit: string, ms: number) => `unit '${unit}' did not stop within ${ms} ms`,
  stopDeadline: (unit: string, ms: number) => `unit '${unit}' was cut off by the ${ms} ms stop deadline`,
  stopFailed: (unit: string, cause: string) => `unit '${unit}' failed to stop: ${cause}`,
  stopAggregate: (count: number, causes: readonly string[]) =>
    `${count} unit${count === 1 ? '' : 's'} failed to stop: ${causes.join('; ')}`,
  startAborted: (reason: string) => `start aborted: ${reason}`,
  duplicateUnit: (unit: string) => `a unit named '${unit}' is already registered`,
  unknownDependency: (unit: string, dependency: string) =>
    `unit '${unit}' depends on '${dependency}', which is not registered`,
  dependencyCycle: (path: readonly string[]) => `dependency cycle: ${path.join(' → ')}`,
  addAfterStart: (unit: string) => `cannot add unit '${unit}': the manager has already started`,
  listenerThrew: (what: string, error: string) => `${what} listener threw: ${error}`,
};

/** A short printable description of any thrown value. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
