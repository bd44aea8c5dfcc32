import type { AuditSink } from '../../interfaces/audit-event.interface.js';

/** The last stored link of a chain: the next record gets `seq + 1` and `prevHash = hash`. */
export interface AuditChainTail {
  readonly seq: number;
  readonly hash: string;
}

/** A sink that can say where its stored chain ends, so a restarted trail continues it instead of forking. */
export interface TailingAuditSink extends AuditSink {
  tail(): Promise<AuditChainTail | undefined>;
}

/** Outcome of a chain check: the count, or the first broken record (index from 0) and why. */
export type AuditChainVerification =
  | { readonly ok: true; readonly count: number; readonly tail?: AuditChainTail }
  | { readonly ok: false; readonly index: number; readonly reason: string };

/** Outcome of a file check: the count, or the first broken line (from 1) and why. */
export type AuditFileVerification =
  | { readonly ok: true; readonly count: number }
  | { readonly ok: false; readonly line: number; readonly reason: string };

/** A `pg.Pool`-like object: enough to run parameterized queries. */
export interface AuditQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}
