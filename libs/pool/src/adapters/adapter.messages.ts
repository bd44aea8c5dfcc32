// User-facing text of the adapters: one place to read and reword them. Never a secret or a connection string.
export const AdapterMessages = {
  aborted: (kind: string) => `${kind} create aborted`,
  connectTimeout: (kind: string, ms: number) => `${kind} connect timed out after ${ms} ms`,
  processRequestFailed: (message: string) => `worker request failed: ${message}`,
  workerCrashed: (worker: string) => `worker ${worker} exited or lost its channel`,
  workerTimeout: (worker: string, ms: number) => `worker ${worker} did not answer within ${ms} ms`,
  workerClosed: (worker: string) => `worker ${worker} is closed`,
  oneOf: (values: readonly string[]) => `must be one of ${values.join(', ')}`,
} as const;
