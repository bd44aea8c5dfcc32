import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditEvent, AuditRecord } from '../interfaces/audit-event.interface.js';
import type {
  AuditChainTail,
  AuditChainVerification,
  AuditFileVerification,
} from './interfaces/audit-chain.interface.js';
import { verify } from './audit.messages.js';
import { canonicalJson } from './canonical-json.js';

/** `prevHash` of the first record of every chain. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

const HASH = /^[0-9a-f]{64}$/;

/**
 * `sha256(prevHash + seq + ':' + canonicalJson(event))`, hex. The position is inside the hash, so a
 * record cannot be renumbered without breaking the chain (prevHash has a fixed length: no ambiguity).
 */
export function auditHash(prevHash: string, seq: number, event: AuditEvent): string {
  return createHash('sha256').update(`${prevHash}${seq}:`).update(canonicalJson(event)).digest('hex');
}

/** Links events after `tail` (or from the genesis) into records; returns them and the new tail. */
export function chainAuditEvents(
  events: readonly AuditEvent[],
  tail: AuditChainTail | undefined,
): { records: AuditRecord[]; tail: AuditChainTail | undefined } {
  let seq = tail ? tail.seq + 1 : 0;
  let prevHash = tail ? tail.hash : AUDIT_GENESIS_HASH;
  const records: AuditRecord[] = [];
  for (const event of events) {
    const hash = auditHash(prevHash, seq, event);
    records.push({ seq, event, prevHash, hash });
    prevHash = hash;
    seq++;
  }
  return { records, tail: records.length > 0 ? { seq: seq - 1, hash: prevHash } : tail };
}

/** The one-line form of a record, as the file and logger sinks write it. */
export function auditRecordLine(record: AuditRecord): string {
  return canonicalJson({
    seq: record.seq,
    prevHash: record.prevHash,
    hash: record.hash,
    event: record.event,
  });
}

/**
 * Checks a chain: the first record starts at the genesis (or continues `after`), every `prevHash`
 * is the previous `hash`, every `hash` matches its event, `seq` counts up by one. Reports the first
 * broken record.
 */
export function verifyAuditChain(
  records: Iterable<unknown>,
  options: { after?: AuditChainTail } = {},
): AuditChainVerification {
  const verifier = new ChainVerifier(options.after);
  let index = 0;
  for (const record of records) {
    const reason = verifier.next(record);
    if (reason !== undefined) return { ok: false, index, reason };
    index++;
  }
  return { ok: true, count: index, ...(verifier.tail && { tail: verifier.tail }) };
}

/** Streams a JSONL audit file and names the first broken line (1-based). An empty last line is allowed. */
export async function verifyAuditFile(path: string): Promise<AuditFileVerification> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const verifier = new ChainVerifier(undefined);
  let line = 0;
  let pendingEmpty = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.length === 0) {
        pendingEmpty = pendingEmpty || line;
        continue;
      }
      if (pendingEmpty) return { ok: false, line: pendingEmpty, reason: verify.emptyLine };
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch {
        return { ok: false, line, reason: verify.notJson };
      }
      const reason = verifier.next(record);
      if (reason !== undefined) return { ok: false, line, reason };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return { ok: true, count: verifier.count };
}

class ChainVerifier {
  count = 0;
  tail: AuditChainTail | undefined;

  constructor(after: AuditChainTail | undefined) {
    this.tail = after;
  }

  /** Checks the next record; returns why it breaks the chain, or undefined. */
  next(value: unknown): string | undefined {
    if (!isRecord(value)) return verify.notRecord;
    const expectedSeq = this.tail ? this.tail.seq + 1 : 0;
    if (value.seq !== expectedSeq) return verify.badSeq(expectedSeq, value.seq);
    const expectedPrev = this.tail ? this.tail.hash : AUDIT_GENESIS_HASH;
    if (value.prevHash !== expectedPrev) return this.tail ? verify.brokenLink : verify.badGenesis;
    if (auditHash(value.prevHash, value.seq, value.event) !== value.hash) return verify.hashMismatch;
    this.tail = { seq: value.seq, hash: value.hash };
    this.count++;
    return undefined;
  }
}

function isRecord(value: unknown): value is AuditRecord {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(r.seq) &&
    typeof r.prevHash === 'string' &&
    HASH.test(r.prevHash) &&
    typeof r.hash === 'string' &&
    HASH.test(r.hash) &&
    r.event !== null &&
    typeof r.event === 'object' &&
    !Array.isArray(r.event)
  );
}
