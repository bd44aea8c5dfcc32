import type { AuditSink } from '../../interfaces/audit-event.interface.js';
import type { AuditCheckpointSigner } from '../audit-checkpoint.js';
import type { AuditCheckpointAnchor } from '../checkpoint-anchor.js';

/** Signed checkpoints (see `AuditCheckpointSigner`), for the sinks that store them (`FileAuditSink`). */
export interface AuditCheckpointOptions {
  readonly signer: AuditCheckpointSigner;
  /** A checkpoint after this many records of a sink (default 1 000). */
  readonly everyRecords?: number;
  /** And at least this often while records arrive (default 60 000 ms); always one at close. */
  readonly everyMs?: number;
  /** Where every checkpoint is mirrored (e.g. `PostgresCheckpointAnchor`); a sink cut before it is refused. */
  readonly anchor?: AuditCheckpointAnchor;
}

/** Options of `new AuditTrail(...)`. */
export interface AuditTrailOptions {
  /** Where records go; each sink keeps its own hash chain. At least one, names unique. */
  readonly sinks: readonly AuditSink[];
  /** Events waiting to be written before `record` starts dropping (default 10,000). */
  readonly queueSize?: number;
  /** Records per sink write (default 100). */
  readonly batchSize?: number;
  /** How long a partial batch may wait before it is written (default 1,000 ms). */
  readonly flushIntervalMs?: number;
  /** A sink write, tail read or close slower than this counts as failed (default 10,000 ms). */
  readonly writeTimeoutMs?: number;
  /** Longest string kept in an event field (default 512); longer ones are cut. */
  readonly maxFieldLength?: number;
  /**
   * About how many characters of keys and strings one event may hold (default 4 096); fields past it
   * are left out and the event says `truncated: true`. With `queueSize` it bounds the queue's memory.
   */
  readonly maxEventLength?: number;
  /** Wall-clock time in epoch ms, used for events recorded without `time` (default `Date.now`). */
  readonly now?: () => number;
  /** Signed checkpoints every N records or T ms and at close, mirrored to an anchor. */
  readonly checkpoints?: AuditCheckpointOptions;
}

/** Counters of an audit trail; `written` and `failed` count records per sink write, summed over sinks. */
export interface AuditTrailStats {
  readonly queued: number;
  readonly dropped: number;
  readonly written: number;
  readonly failed: number;
  readonly sinks: Readonly<Record<string, { readonly written: number; readonly failed: number }>>;
}

/** What an audit trail reports; listeners cannot break it (exceptions are swallowed). */
export interface AuditTrailEvents {
  /** A sink stored `count` records. */
  readonly written: { readonly sink: string; readonly count: number };
  /** A sink failed to store `count` records. */
  readonly failed: { readonly sink: string; readonly count: number; readonly error: Error };
  /** The queue was full (or the trail closed) and events were dropped; `total` is the running count. */
  readonly dropped: { readonly count: number; readonly total: number };
}
