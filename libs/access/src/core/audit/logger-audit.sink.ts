import type { AuditRecord, AuditSink } from '../interfaces/audit-event.interface.js';
import { auditRecordLine } from './audit-chain.js';

/** Anything with a `log(line)`: a Nest `Logger`, `console`, a pino child … */
export interface AuditLineLogger {
  log(line: string): void;
}

/** Writes each record as one canonical JSON line to a logger. Its chain restarts with every process. */
export class LoggerAuditSink implements AuditSink {
  /** The sink's name in stats, events and metrics. */
  readonly name: string;

  constructor(
    private readonly logger: AuditLineLogger,
    options: { name?: string } = {},
  ) {
    this.name = options.name ?? 'logger';
  }

  /** Logs every record; a throwing logger fails the batch. */
  async write(records: readonly AuditRecord[]): Promise<void> {
    for (const record of records) this.logger.log(auditRecordLine(record));
  }
}
