import { AdapterMessages } from './adapter.messages.js';

/** The error a create rejects with once the pool aborted it: the pool's own reason when it gave one. */
export function abortReason(kind: string, signal: AbortSignal, cause?: unknown): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new Error(AdapterMessages.aborted(kind), { cause: cause ?? reason });
}
