// User-facing texts of the network part of @steward/lifecycle; kept apart so wording changes never touch logic.
export const NetMessages = {
  leaseNotHeld: (state: string) => `The port lease is ${state}; it can no longer be handed off.`,
  connectTimeout: (target: string, timeoutMs: number) =>
    `Connecting to ${target} did not complete within ${timeoutMs} ms.`,
  circuitOpen: (name: string) => `Circuit "${name}" is open; the call was not attempted.`,
  linkClosed: (name: string) => `Link "${name}" is closed.`,
  linkOperationTimeout: (name: string, timeoutMs: number) =>
    `An operation on link "${name}" did not complete within ${timeoutMs} ms.`,
  linkRetriesExhausted: (name: string, attempts: number) =>
    `Link "${name}" could not connect after ${attempts} attempts.`,
} as const;
