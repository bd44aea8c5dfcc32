import type { AuditSink } from '../../interfaces/audit-event.interface.js';
import type { AuditCheckpoint, AuditCheckpointBody } from '../audit-checkpoint.js';

/** The last stored link of a chain: the next record gets `seq + 1` and `prevHash = hash`. */
export interface AuditChainTail {
  readonly seq: number;
  readonly hash: string;
  /** The sink's last checkpoint, when it keeps checkpoints: the next one links to its `sig`. */
  readonly checkpoint?: { readonly seq: number; readonly sig: string };
}

/** A sink that can say where its stored chain ends, so a restarted trail continues it instead of forking. */
export interface TailingAuditSink extends AuditSink {
  tail(): Promise<AuditChainTail | undefined>;
}

/** A sink that stores signed checkpoints in line with its records (`FileAuditSink`). */
export interface CheckpointingAuditSink extends TailingAuditSink {
  /** Appends a checkpoint; it must seal the sink's chain where it ends now. */
  writeCheckpoint(checkpoint: AuditCheckpoint): Promise<void>;
}

/** Outcome of a chain check: the count, or the first broken record (index from 0) and why. */
export type AuditChainVerification =
  | { readonly ok: true; readonly count: number; readonly tail?: AuditChainTail }
  | { readonly ok: false; readonly index: number; readonly reason: string };

/**
 * Outcome of a file check: the records, the checkpoints, the last one and how many records follow it
 * unsealed; or the first broken line (from 1) and why.
 */
export type AuditFileVerification =
  | {
      readonly ok: true;
      readonly count: number;
      readonly checkpoints: number;
      readonly unsealed: number;
      /** False when no key was given (or no checkpoint found): signatures were not checked. */
      readonly signaturesChecked: boolean;
      readonly lastCheckpoint?: AuditCheckpointBody;
    }
  | { readonly ok: false; readonly line: number; readonly reason: string };

/** A `pg.Pool`-like object: enough to run parameterized queries. */
export interface AuditQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}
