import { createHmac, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { OptionChecker, Secret } from '@steward/common';
import { canonicalJson } from './canonical-json.js';

/** What a checkpoint seals: one sink's chain up to `seq`, with its head `hash`. */
export interface AuditCheckpointBody {
  /** The sink whose chain it seals (chains are per sink). */
  readonly sink: string;
  /** `seq` of the last record sealed (-1: an empty chain). */
  readonly seq: number;
  /** Records in the chain up to here: `seq + 1`. */
  readonly count: number;
  /** `hash` of record `seq` (the genesis hash for an empty chain). */
  readonly hash: string;
  readonly time: string;
  /** Which key signed it; verifiers hold a key per id, so keys rotate. */
  readonly keyId: string;
  /** The signature of this chain's previous checkpoint; null for the first. */
  readonly prev: string | null;
}

/** A signed checkpoint, as it is written (one canonical JSON line) and mirrored to an anchor. */
export interface AuditCheckpoint {
  readonly checkpoint: AuditCheckpointBody;
  readonly alg: 'HS256' | 'Ed25519';
  /** base64url signature over `canonicalJson(checkpoint)`. */
  readonly sig: string;
}

/** Keys that verify checkpoints, by key id: a `Secret` (HS256) or an Ed25519 public (or private) key. */
export type AuditCheckpointKeys = Readonly<Record<string, Secret | KeyObject>>;

/**
 * Signs checkpoints with HMAC-SHA256 (a `Secret` of at least 32 characters, or a secret `KeyObject`)
 * or Ed25519 (a private `KeyObject`: verifiers then need only the public key, and cannot forge).
 * Rotate by giving the writer a new key id and the verifiers both keys.
 */
export class AuditCheckpointSigner {
  readonly alg: 'HS256' | 'Ed25519';

  constructor(
    readonly keyId: string,
    private readonly key: Secret | KeyObject,
  ) {
    const checker = new OptionChecker('audit checkpoint signer');
    if (typeof keyId !== 'string' || !/^[\w.:-]{1,64}$/.test(keyId)) {
      checker.add('keyId', 'must be 1-64 letters, digits or ._:-');
    }
    const alg = algorithmOf(key, 'sign');
    if (alg === undefined) {
      checker.add('key', 'must be a Secret of at least 32 characters or an Ed25519 private KeyObject');
    }
    checker.throwIfAny();
    this.alg = alg!;
  }

  /** The signed checkpoint for `body` (its `keyId` is this signer's). */
  sign(body: Omit<AuditCheckpointBody, 'keyId'>): AuditCheckpoint {
    const checkpoint: AuditCheckpointBody = { ...body, keyId: this.keyId };
    const data = Buffer.from(canonicalJson(checkpoint));
    const signature =
      this.alg === 'HS256'
        ? createHmac('sha256', secretBytes(this.key)).update(data).digest()
        : sign(null, data, this.key as KeyObject);
    return { checkpoint, alg: this.alg, sig: signature.toString('base64url') };
  }
}

/** Whether `checkpoint` carries a valid signature by the key its `keyId` names in `keys`. */
export function verifyCheckpoint(checkpoint: AuditCheckpoint, keys: AuditCheckpointKeys): boolean {
  const key = Object.hasOwn(keys, checkpoint.checkpoint.keyId)
    ? keys[checkpoint.checkpoint.keyId]
    : undefined;
  if (key === undefined || algorithmOf(key, 'verify') !== checkpoint.alg) return false;
  const data = Buffer.from(canonicalJson(checkpoint.checkpoint));
  const signature = Buffer.from(checkpoint.sig, 'base64url');
  if (checkpoint.alg === 'HS256') {
    const expected = createHmac('sha256', secretBytes(key)).update(data).digest();
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
  const publicKey =
    (key as KeyObject).type === 'private' ? createPublicKey(key as KeyObject) : (key as KeyObject);
  return verify(null, data, publicKey, signature);
}

/** Whether a parsed JSON value has exactly the shape of a checkpoint line. */
export function isCheckpoint(value: unknown): value is AuditCheckpoint {
  if (!hasKeys(value, ['alg', 'checkpoint', 'sig'])) return false;
  const { alg, checkpoint, sig } = value as Record<string, unknown>;
  if ((alg !== 'HS256' && alg !== 'Ed25519') || typeof sig !== 'string') return false;
  if (!hasKeys(checkpoint, ['count', 'hash', 'keyId', 'prev', 'seq', 'sink', 'time'])) return false;
  const c = checkpoint as Record<string, unknown>;
  return (
    Number.isSafeInteger(c.seq) &&
    c.count === (c.seq as number) + 1 &&
    typeof c.hash === 'string' &&
    typeof c.keyId === 'string' &&
    typeof c.sink === 'string' &&
    typeof c.time === 'string' &&
    (c.prev === null || typeof c.prev === 'string')
  );
}

/** True when `value` is an object whose own keys are exactly `keys` (sorted). */
export function hasKeys(value: unknown, keys: readonly string[]): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const own = Object.keys(value).sort();
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
}

function algorithmOf(key: unknown, use: 'sign' | 'verify'): 'HS256' | 'Ed25519' | undefined {
  if (key instanceof Secret) return key.reveal().length >= 32 ? 'HS256' : undefined;
  const object = key as KeyObject | undefined;
  if (object?.type === 'secret') return (object.symmetricKeySize ?? 0) >= 32 ? 'HS256' : undefined;
  if (object?.asymmetricKeyType !== 'ed25519') return undefined;
  return use === 'sign' && object.type !== 'private' ? undefined : 'Ed25519';
}

function secretBytes(key: Secret | KeyObject): Buffer | string {
  return key instanceof Secret ? key.reveal() : (key as KeyObject).export();
}
