// User-facing text of the audit trail. Messages name sinks, files and lines, never event contents.

export const auditOptionsSubject = 'AuditTrail';

export const writeFailed = (sinks: readonly string[]): string =>
  `Audit write failed on sink${sinks.length === 1 ? '' : 's'} ${sinks.join(', ')}`;
export const queueFull = 'Audit queue is full';
export const trailClosed = 'Audit trail is closed';
export const writeTimedOut = (sink: string, ms: number): string =>
  `Audit sink ${sink} did not answer within ${ms} ms`;
export const chainForked = (sink: string): string =>
  `Audit sink ${sink} was handed records that do not continue its chain (another writer?)`;
export const fileTailUnreadable = (path: string, reason: string): string =>
  `Audit file ${path} cannot be continued: its last line ${reason}. Verify it with steward-audit verify and repair or move it.`;
export const badTableName = (table: string): string =>
  `${JSON.stringify(table.slice(0, 80))} must be [schema.]name of lowercase letters, digits and _`;
export const postgresTarget = 'needs a pool ({ query }) or a connection string';

export const verify = {
  notJson: 'is not valid JSON',
  notRecord: 'is not an audit record { seq, prevHash, hash, event }',
  badSeq: (expected: number, got: unknown): string => `has seq ${String(got)}, expected ${expected}`,
  badGenesis: 'starts the chain but its prevHash is not the genesis hash',
  brokenLink:
    'does not link to the previous record (prevHash differs: a record was removed, added or reordered)',
  hashMismatch: 'does not match its hash (the record was edited)',
  emptyLine: 'is empty',
} as const;

export const cli = {
  usage:
    'usage: steward-audit verify <file.jsonl>\nVerifies the hash chain of a Steward JSONL audit file. Exit 0: intact; 1: broken; 2: cannot read.',
  ok: (path: string, count: number): string =>
    `OK ${path}: ${count} record${count === 1 ? '' : 's'}, chain intact`,
  broken: (path: string, line: number, reason: string): string => `BROKEN ${path}: line ${line} ${reason}`,
  unreadable: (path: string, code: string): string => `cannot read ${path}: ${code}`,
} as const;
