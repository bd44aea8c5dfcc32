// User-facing text of the adapters: one place to read and reword them. Never a secret or a connection string.
export const AdapterMessages = {
  aborted: (kind: string) => `${kind} create aborted`,
  connectTimeout: (kind: string, ms: number) => `${kind} connect timed out after ${ms} ms`,
  validateAborted: (kind: string) => `${kind} validation aborted`,
  processExited: (code: number | null, signal: string | null) =>
    `worker process exited (code ${code ?? 'none'}, signal ${signal ?? 'none'})`,
  processNotReady: (ms: number) => `worker process did not report ready within ${ms} ms`,
  processRequestFailed: (message: string) => `worker request failed: ${message}`,
} as const;
