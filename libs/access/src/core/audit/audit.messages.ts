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
export const anchorAhead = (sink: string, sealed: number, stored: number): string =>
  `Audit sink ${sink} ends at seq ${stored} without the checkpoint its anchor holds for seq ${sealed}: ` +
  'records were removed or the file replaced. Writing stops until it is verified with steward-audit verify.';

export const verify = {
  notJson: 'is not valid JSON',
  notRecord: 'is not an audit record { seq, prevHash, hash, event }',
  badSeq: (expected: number, got: unknown): string => `has seq ${String(got)}, expected ${expected}`,
  badGenesis: 'starts the chain but its prevHash is not the genesis hash',
  brokenLink:
    'does not link to the previous record (prevHash differs: a record was removed, added or reordered)',
  hashMismatch: 'does not match its hash (the record was edited)',
  emptyLine: 'is empty',
  notCanonical:
    'is not in canonical form (a duplicate key, reordered keys or added whitespace: not what was hashed and signed)',
  unexpectedFields: 'has fields an audit record does not have (only seq, prevHash, hash and event)',
  checkpointMisplaced: (sealed: number, head: number): string =>
    `is a checkpoint for seq ${sealed} where the chain is at seq ${head} (records were removed, added or the checkpoint moved)`,
  checkpointSink: 'is a checkpoint of another sink',
  checkpointUnlinked:
    'is a checkpoint that does not link to the previous one (a checkpoint was removed or forged)',
  badSignature: (keyId: string): string =>
    `is a checkpoint whose signature does not verify with key ${JSON.stringify(keyId.slice(0, 64))} (forged, or the key is missing)`,
  anchorMismatch: 'is a checkpoint whose signature differs from the anchor’s copy (the file was rewritten)',
  truncated: (seq: number): string =>
    `is missing: the anchor holds a checkpoint at seq ${seq} that the file lacks (records were removed)`,
} as const;

export const cli = {
  usage:
    'usage: steward-audit verify <file.jsonl> [--key <key id>=<file>]... [--anchor <checkpoints.jsonl> | --anchor-table <table>] [--sink <name>]\n' +
    'Verifies a Steward JSONL audit file: the hash chain, the canonical form of every line, and the signed checkpoints\n' +
    '(with --key: a PEM file holds an Ed25519 key, any other file an HMAC secret). With an anchor (its last checkpoint\n' +
    'for the sink, default "file"; --anchor-table reads STEWARD_AUDIT_ANCHOR_DATABASE_URL or DATABASE_URL) a file cut\n' +
    'before it is reported. Exit 0: intact and sealed; 1: broken or cut; 2: cannot read; 3: intact, but records follow\n' +
    'the last checkpoint unsealed.',
  ok: (
    path: string,
    count: number,
    checkpoints: number,
    last?: { seq: number; time: string; keyId: string },
  ): string =>
    `OK ${path}: ${count} record${count === 1 ? '' : 's'}, chain intact; ` +
    (last
      ? `${checkpoints} checkpoint${checkpoints === 1 ? '' : 's'}, the last sealing seq ${last.seq} at ${last.time} (key ${last.keyId})`
      : 'no checkpoint'),
  unsealed: (path: string, count: number, after?: number): string =>
    `UNSEALED ${path}: ${count} record${count === 1 ? '' : 's'} ${
      after === undefined ? 'and no checkpoint' : `after the last checkpoint (seq ${after})`
    }: written after it by a writer that did not close, or the file was cut there`,
  unsignedWarning: 'WARNING checkpoint signatures not checked: give --key <key id>=<file>',
  noAnchorWarning:
    'WARNING no anchor given: a file cut right after a checkpoint cannot be told from a complete one',
  broken: (path: string, line: number, reason: string): string => `BROKEN ${path}: line ${line} ${reason}`,
  unreadable: (path: string, code: string): string => `cannot read ${path}: ${code}`,
} as const;
