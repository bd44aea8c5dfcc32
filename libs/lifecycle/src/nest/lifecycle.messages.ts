// User-facing text of the Nest face of @steward/lifecycle.
export const lifecycleNestMessages = {
  budgetExceeded: (delay: number, drain: number, stop: number, deadline: number) =>
    `delayMs (${delay}) + drainTimeoutMs (${drain}) + stopTimeoutMs (${stop}) = ${delay + drain + stop} ms exceeds deadlineMs (${deadline} ms)`,
  unitBudgetExceeded: (unit: string, stop: number, budget: number) =>
    `unit '${unit}' has stopTimeoutMs ${stop} ms, more than the ${budget} ms left for units inside the shutdown deadline`,
  notAUnit: (name: string) => `@ManagedUnit() provider '${name}' has neither start() nor stop()`,
  shutdownFailed: 'shutdown finished with errors',
  startFailed: 'lifecycle start failed',
  deadlineExceeded: (ms: number, pending: readonly string[]) =>
    `shutdown exceeded its ${ms} ms deadline; exiting now; still running: ${pending.length > 0 ? pending.join(', ') : 'nothing Steward tracks'}`,
  signalDuringStartup: (signal: string) =>
    `${signal} arrived before every unit had started: stopped what had started; exiting 1`,
};
