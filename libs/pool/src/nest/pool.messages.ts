// User-facing text of the pool's Nest face. Never a secret, a connection string or a resource.
export const PoolNestMessages = {
  duplicateName: (name: string) =>
    `Pool "${name}" is registered more than once; @InjectPool('${name}') resolves to only one of them.`,
  warmUpFailed: (name: string) => `Pool "${name}" failed to warm up; closed what it had created.`,
  maintenanceFailed: (name: string) => `Pool "${name}" maintenance pass failed.`,
  createFailing: (name: string, code: string) =>
    `Pool "${name}" cannot create resources (${code}); retrying with backoff.`,
  createRecovered: (name: string) => `Pool "${name}" creates resources again.`,
  shutdownFailed: (name: string) => `Pool "${name}" did not shut down cleanly.`,
  factoryMissing: 'must be a ResourceFactory with create() and destroy() functions',
  optionsNotObject: 'must be an object',
  minAboveMax: 'must not exceed max',
  healthNotRegistered: 'not registered',
  notFound: (name: string) => `No pool named "${name}".`,
  healthSaturated: 'waiting acquires above the threshold',
  healthBudgetUnsynced: 'connection budget out of reach (Redis): serving with the slots it holds',
  healthCannotCreate: 'no resource alive and the last create failed',
  healthClosed: 'pool is closed',
  healthDrained: 'drained by an operator; resume it (POST admin/pools/<name>/resume) to serve again',
  healthDraining: 'being drained by an operator: no new acquires',
  resetClosed: 'pool is closed: nothing to reset (resume it first)',
  resumeRefused: (name: string, why: 'open' | 'draining' | 'shutting-down') =>
    why === 'open'
      ? `Pool "${name}" is open: only a drained pool can be resumed.`
      : why === 'draining'
        ? `Pool "${name}" is still draining: resume it once it has closed.`
        : `Pool "${name}" is shutting down with the application.`,
  leak: (name: string, heldMs: number, stack: string) =>
    `Pool "${name}": a lease has been held for ${Math.round(heldMs)} ms (leakDetectionMs exceeded); borrowed at:\n${stack}`,
  unavailableTitle: 'Service Unavailable',
  unavailableDetail: 'A backing resource is unavailable right now; retry shortly.',
  unavailableLog: (code: string) => `Request failed because a pooled resource is unavailable (${code}).`,
} as const;
