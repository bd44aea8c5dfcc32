import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditEvent, AuditRecord } from '../interfaces/audit-event.interface.js';
import type {
  AuditChainTail,
  AuditChainVerification,
  AuditFileVerification,
} from './interfaces/audit-chain.interface.js';
import {
  hasKeys,
  isCheckpoint,
  verifyCheckpoint,
  type AuditCheckpoint,
  type AuditCheckpointKeys,
} from './audit-checkpoint.js';
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

/** Options of `verifyAuditFile`. */
export interface AuditFileVerifyOptions {
  /** Keys by key id to check checkpoint signatures with; without them signatures go unchecked (and said so). */
  readonly keys?: AuditCheckpointKeys;
  /** The last checkpoint an anchor holds for this file's sink: the file must contain it. */
  readonly anchor?: AuditCheckpoint;
}

/**
 * Streams a JSONL audit file and names the first broken line (1-based). Every line must be the
 * canonical form of its value (a duplicate key, an added field or whitespace is a change); records
 * must chain; checkpoints must seal the chain where they stand, link to the previous checkpoint, and
 * carry a valid signature (when keys are given). Records after the last checkpoint are reported as
 * unsealed: nothing shows whether more followed them. With the anchor's last checkpoint, a file cut
 * before it is reported as truncated. An empty last line is allowed.
 */
export async function verifyAuditFile(
  path: string,
  options: AuditFileVerifyOptions = {},
): Promise<AuditFileVerification> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const verifier = new ChainVerifier(undefined);
  const anchor = options.anchor;
  let last: AuditCheckpoint | undefined;
  let checkpoints = 0;
  let anchorSeen = false;
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
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { ok: false, line, reason: verify.notJson };
      }
      // JSON.parse keeps the last of two equal keys and ignores what is not data: only the canonical
      // form of the value is what the hash and the signature covered.
      if (canonicalJson(value) !== text) return { ok: false, line, reason: verify.notCanonical };
      if (isCheckpoint(value)) {
        const reason = checkCheckpoint(value, verifier, last, options.keys);
        if (reason !== undefined) return { ok: false, line, reason };
        if (
          anchor &&
          value.checkpoint.sink === anchor.checkpoint.sink &&
          value.checkpoint.seq === anchor.checkpoint.seq
        ) {
          if (value.sig !== anchor.sig) return { ok: false, line, reason: verify.anchorMismatch };
          anchorSeen = true;
        }
        last = value;
        checkpoints++;
        continue;
      }
      if (!hasKeys(value, RECORD_KEYS)) return { ok: false, line, reason: verify.unexpectedFields };
      const reason = verifier.next(value);
      if (reason !== undefined) return { ok: false, line, reason };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (anchor && !anchorSeen) {
    return { ok: false, line: line + 1, reason: verify.truncated(anchor.checkpoint.seq) };
  }
  const sealed = last ? last.checkpoint.seq + 1 : 0;
  return {
    ok: true,
    count: verifier.count,
    checkpoints,
    unsealed: verifier.count - sealed,
    signaturesChecked: options.keys !== undefined && checkpoints > 0,
    ...(last && { lastCheckpoint: last.checkpoint }),
  };
}

const RECORD_KEYS = ['event', 'hash', 'prevHash', 'seq'];

/** Why a checkpoint line does not seal the chain where it stands, or undefined. */
function checkCheckpoint(
  value: AuditCheckpoint,
  chain: ChainVerifier,
  previous: AuditCheckpoint | undefined,
  keys: AuditCheckpointKeys | undefined,
): string | undefined {
  const body = value.checkpoint;
  const head = chain.tail ?? { seq: -1, hash: AUDIT_GENESIS_HASH };
  if (body.seq !== head.seq || body.hash !== head.hash) return verify.checkpointMisplaced(body.seq, head.seq);
  if (previous !== undefined && body.sink !== previous.checkpoint.sink) return verify.checkpointSink;
  if (body.prev !== (previous?.sig ?? null)) return verify.checkpointUnlinked;
  if (keys !== undefined && !verifyCheckpoint(value, keys)) return verify.badSignature(body.keyId);
  return undefined;
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
