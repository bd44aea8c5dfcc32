import { StewardError } from '@steward/common';
import { writeFailed } from './audit.messages.js';

/** A durable audit record could not be stored; callers of privileged actions fail closed on it. */
export class AuditWriteError extends StewardError {
  constructor(
    readonly sinks: readonly string[],
    message = writeFailed(sinks),
    options?: ErrorOptions,
  ) {
    super('ACCESS_AUDIT_WRITE_FAILED', message, options);
  }
}

/** A stored chain cannot be continued safely (torn or foreign last record). */
export class AuditChainError extends StewardError {
  constructor(message: string, options?: ErrorOptions) {
    super('ACCESS_AUDIT_CHAIN_BROKEN', message, options);
  }
}
