import type { AuditEvent, AuditRecord, AuditSink } from '../interfaces/audit-event.interface.js';
import { auditRecordLine } from './audit-chain.js';

/** Anything with a `log(line)`: a Nest `Logger`, `console`, a pino child … */
export interface AuditLineLogger {
  log(line: string): void;
}

/** Options of `LoggerAuditSink`. */
export interface LoggerAuditSinkOptions {
  readonly name?: string;
  /** Which records reach the log (default `isOperatorEvent`: everything but allowed decisions). */
  readonly include?: (event: AuditEvent) => boolean;
}

/**
 * What an operator reads in the application log: denials, authentication failures and throttles,
 * privileged actions, policy reloads. An allowed decision is one per served request (a million lines
 * an hour on a busy service): it belongs in the audit sinks (file, PostgreSQL), not in the log.
 */
export function isOperatorEvent(event: AuditEvent): boolean {
  return !(event.type === 'authz.decision' && event.decision === 'allow');
}

/**
 * Writes records as canonical JSON lines to a logger, by default only those an operator reads
 * (`isOperatorEvent`): a line's `seq` shows how many records the log left out. Its chain restarts with
 * every process; the file and PostgreSQL sinks keep the whole trail.
 */
export class LoggerAuditSink implements AuditSink {
  /** The sink's name in stats, events and metrics. */
  readonly name: string;
  private readonly include: (event: AuditEvent) => boolean;

  constructor(
    private readonly logger: AuditLineLogger,
    options: LoggerAuditSinkOptions = {},
  ) {
    this.name = options.name ?? 'logger';
    this.include = options.include ?? isOperatorEvent;
  }

  /** Logs the records it includes; a throwing logger fails the batch. */
  async write(records: readonly AuditRecord[]): Promise<void> {
    for (const record of records) {
      if (this.include(record.event)) this.logger.log(auditRecordLine(record));
    }
  }
}
