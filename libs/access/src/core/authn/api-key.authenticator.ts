import { hash, timingSafeEqual } from 'node:crypto';
import { types } from 'node:util';
import { OptionChecker, wallClockNow, type Secret } from '@steward/common';
import type { Principal } from '../interfaces/principal.interface.js';
import { checkPepper, checkPrefix, hmacApiKey, parseApiKey } from './api-key.js';
import type { ApiKeyRecord, ApiKeyStore } from './interfaces/api-key-store.interface.js';
import type {
  Authenticator,
  AuthnContext,
  AuthnResult,
  Credentials,
} from './interfaces/authenticator.interface.js';

/** Options of `ApiKeyAuthenticator`. */
export interface ApiKeyAuthenticatorOptions {
  /** The HMAC pepper, at least 32 characters; keep it out of the store's database. */
  pepper: Secret;
  store: ApiKeyStore;
  /** Only keys with this prefix are claimed (default 'stw'); a `Bearer` token with it is treated as a key. */
  prefix?: string;
  /**
   * Wall clock in ms since epoch for expiry (default `wallClockNow`: `Date.now()` without its runtime
   * call on every request).
   */
  now?: () => number;
  /**
   * How long a key that passed the HMAC check skips it while its stored hash is unchanged (default
   * 60 000 ms; 0 turns the cache off). Revocation and expiry are read from the store on every request.
   */
  verifiedCacheMs?: number;
  /** At most this many verified keys are remembered (default 1 024); the oldest goes first. */
  verifiedCacheSize?: number;
  /**
   * Whether a keep-alive connection remembers the key it last proved, so the next request on it is
   * checked by a constant-time compare instead of a SHA-256 (default true). That key then stays in
   * memory while the connection is open, as the connection's own request headers do. Needs
   * `verifiedCacheMs` > 0; revocation and expiry are still read from the store on every request.
   */
  rememberPerConnection?: boolean;
}

// Called through the prototype: V8 compiles `key.startsWith(…)` on header strings into a generic
// property lookup (seen in its optimized code under load); a fixed function it inlines.
const { startsWith } = String.prototype;

const METHOD = 'api-key';
const ZERO_HASH = Buffer.alloc(32);

/** A key that passed the HMAC check: its SHA-256, the stored hash it matched, and until when that holds. */
interface VerifiedKey {
  readonly digest: string;
  readonly hash: string;
  readonly until: number;
}

/**
 * The key a connection last proved and the frozen record it matched: while the store hands out that
 * same record, only the clock can change the answer.
 */
interface ConnectionProof {
  /** The key's bytes (ASCII). */
  readonly key: Buffer;
  /** The record's `expiresAt` as proven; a different one takes the full path. */
  readonly expires: string | undefined;
  readonly keyId: string;
  readonly record: ApiKeyRecord;
  readonly result: AuthnResult;
  /** The record's expiry in ms since epoch, Infinity without one. */
  readonly expiresAt: number;
  readonly until: number;
}

/** Authenticates `<prefix>_<key id><secret>` keys against HMAC-SHA256 hashes in an `ApiKeyStore`. */
export class ApiKeyAuthenticator implements Authenticator {
  readonly method = METHOD;
  readonly scheme = 'ApiKey';
  private readonly prefix: string;
  private readonly keyStart: string;
  private readonly now: () => number;
  private readonly decoded = new WeakMap<ApiKeyRecord, Buffer>();
  private readonly successes = new WeakMap<ApiKeyRecord, AuthnResult>();
  // By key id, holding the SHA-256 of the full key: only the exact key that passed the HMAC compare
  // matches its entry, and the digest is useless to anyone reading memory (the key has ~190 random bits).
  private readonly verified = new Map<string, VerifiedKey>();
  // Dies with the connection; holds the key a connection proved, compared in constant time.
  private readonly proofs?: WeakMap<object, ConnectionProof>;
  private scratch = Buffer.alloc(0);
  private readonly cacheMs: number;
  private readonly cacheSize: number;

  constructor(private readonly options: ApiKeyAuthenticatorOptions) {
    const checker = new OptionChecker('API key authenticator');
    checkPepper(checker, options?.pepper);
    checkPrefix(checker, options?.prefix ?? 'stw');
    if (typeof options?.store?.findByKeyId !== 'function') checker.add('store', 'must be an ApiKeyStore');
    if (options?.now !== undefined && typeof options.now !== 'function')
      checker.add('now', 'must be a function');
    for (const name of ['verifiedCacheMs', 'verifiedCacheSize'] as const) {
      const value = options?.[name];
      if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
        checker.add(name, 'must be a non-negative integer');
      }
    }
    if (options?.rememberPerConnection !== undefined && typeof options.rememberPerConnection !== 'boolean') {
      checker.add('rememberPerConnection', 'must be a boolean');
    }
    checker.throwIfAny();
    this.prefix = options.prefix ?? 'stw';
    this.keyStart = `${this.prefix}_`;
    this.now = options.now ?? wallClockNow;
    this.cacheMs = options.verifiedCacheMs ?? 60_000;
    this.cacheSize = options.verifiedCacheSize ?? 1_024;
    if (this.cacheMs > 0 && options.rememberPerConnection !== false) this.proofs = new WeakMap();
  }

  /** Synchronous when the store answers synchronously (the in-memory one): no Promise per request. */
  authenticate(credentials: Credentials, context?: AuthnContext): AuthnResult | Promise<AuthnResult> {
    const key = this.claim(credentials);
    if (key === undefined) return NO_CREDENTIALS;
    const candidate = this.proofs === undefined ? undefined : context?.connection;
    const connection = typeof candidate === 'object' && candidate !== null ? candidate : undefined;
    let proof = connection === undefined ? undefined : this.proofs!.get(connection);
    if (proof !== undefined && !this.sameKey(proof.key, key)) proof = undefined;
    let keyId = proof?.keyId;
    if (keyId === undefined) {
      const parsed = parseApiKey(key);
      if (!parsed || parsed.prefix !== this.prefix) return this.fail('malformed');
      keyId = parsed.keyId;
    }
    const id = keyId;
    const found = this.options.store.findByKeyId(id);
    return isPromiseLike(found)
      ? Promise.resolve(found).then((record) => this.verify(key, id, record, connection, proof))
      : this.verify(key, id, found, connection, proof);
  }

  private verify(
    key: string,
    keyId: string,
    record: ApiKeyRecord | undefined,
    connection: object | undefined,
    proof: ConnectionProof | undefined,
  ): AuthnResult {
    const now = this.now();
    if (
      proof !== undefined &&
      record === proof.record &&
      proof.until > now &&
      // Read on every request, as the store's documentation promises, even from an immutable record.
      record.revokedAt === undefined &&
      record.expiresAt === proof.expires &&
      proof.expiresAt > now
    ) {
      return proof.result;
    }
    const verified = { until: Infinity };
    const result = this.check(key, keyId, record, now, verified);
    if (connection !== undefined) {
      if (result.kind === 'success' && record !== undefined && isImmutable(record)) {
        // Outside Node's shared Buffer pool: the bytes go when the proof goes.
        const bytes = Buffer.alloc(key.length);
        bytes.write(key);
        this.proofs!.set(connection, {
          key: bytes,
          keyId,
          record,
          result,
          expires: record.expiresAt,
          expiresAt: record.expiresAt === undefined ? Infinity : Date.parse(record.expiresAt),
          // Never longer than the verification it stands on.
          until: Math.min(now + this.cacheMs, verified.until),
        });
      } else if (proof !== undefined) {
        this.proofs!.delete(connection);
      }
    }
    return result;
  }

  private check(
    key: string,
    keyId: string,
    record: ApiKeyRecord | undefined,
    now: number,
    verified: { until: number },
  ): AuthnResult {
    // Digest and lookup happen for unknown ids too, so unknown and wrong keys still cost the same.
    const digest = this.cacheMs > 0 ? hash('sha256', key, 'base64') : undefined;
    const known = digest === undefined ? undefined : this.verified.get(keyId);
    // HMAC(key) equalled `known.hash` (constant-time compare); if the store still holds that hash, the
    // full check would pass again. Anything else takes the full path.
    if (
      record === undefined ||
      known === undefined ||
      known.digest !== digest ||
      known.hash !== record.hash ||
      !(known.until > now)
    ) {
      // Hash even when the id is unknown so unknown and wrong keys cost the same.
      const presented = hmacApiKey(this.options.pepper, key);
      const stored = record ? this.storedHash(record) : ZERO_HASH;
      const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
      // A stale entry of this very key goes; a wrong secret must not evict the right key's entry.
      if (known !== undefined && known.digest === digest) this.verified.delete(keyId);
      if (!record) return this.fail('unknown-key', keyId);
      if (!equal) return this.fail('invalid-key', keyId);
      if (digest !== undefined) this.remember(keyId, digest, record.hash, now);
    } else {
      verified.until = known.until; // passed on the strength of an earlier HMAC check
    }
    return this.outcome(record, now);
  }

  /** Success unless the record is revoked or expired: read from the store on every request. */
  private outcome(record: ApiKeyRecord, now: number): AuthnResult {
    const keyId = record.keyId;
    if (record.revokedAt !== undefined) return this.fail('revoked', keyId);
    if (record.expiresAt !== undefined && !(Date.parse(record.expiresAt) > now)) {
      return this.fail('expired', keyId);
    }

    return this.success(record);
  }

  /**
   * The success result for a record, built once per immutable record: the result and its principal
   * are frozen too, so every request can share them. A store that changes a key hands out a new object.
   */
  private success(record: ApiKeyRecord): AuthnResult {
    let result = this.successes.get(record);
    if (result === undefined) {
      const principal: Principal = Object.freeze({
        id: record.clientId,
        roles: Object.freeze([...record.roles]),
        ...(record.tenant !== undefined && { tenant: record.tenant }),
        attributes: Object.freeze({ ...record.attributes, keyId: record.keyId }),
        authMethod: METHOD,
      });
      result = Object.freeze({ kind: 'success', principal, subject: `key:${record.keyId}` } as const);
      if (isImmutable(record)) this.successes.set(record, result);
    }
    return result;
  }

  /**
   * Whether `key` is the key whose bytes are `proven`, in constant time. The key is written into a
   * reused buffer: no allocation, no loop over characters. A full buffer means no stale byte of an
   * earlier key takes part, and a non-ASCII character writes bytes >= 0x80, which an ASCII key lacks.
   */
  private sameKey(proven: Buffer, key: string): boolean {
    const length = proven.length;
    if (key.length !== length) return false;
    if (this.scratch.length !== length) this.scratch = Buffer.alloc(length);
    const same = this.scratch.write(key) === length && timingSafeEqual(this.scratch, proven);
    this.scratch.fill(0); // holds whatever a client sent: keep it no longer than the compare
    return same;
  }

  private remember(keyId: string, digest: string, storedHash: string, now: number): void {
    this.verified.delete(keyId); // re-inserted last: eviction goes oldest first
    if (this.verified.size >= this.cacheSize) {
      const oldest = this.verified.keys().next();
      if (oldest.done) return; // size 0: nothing is remembered
      this.verified.delete(oldest.value);
    }
    this.verified.set(keyId, { digest, hash: storedHash, until: now + this.cacheMs });
  }

  /**
   * The record's hash as bytes, decoded once per immutable record (a frozen one could still read its
   * hash through a getter); a store that revokes or replaces a key hands out a new object.
   */
  private storedHash(record: ApiKeyRecord): Buffer {
    let bytes = this.decoded.get(record);
    if (bytes === undefined) {
      bytes = Buffer.from(record.hash, 'hex');
      if (isImmutable(record)) this.decoded.set(record, bytes);
    }
    return bytes;
  }

  /** Only keys with this authenticator's prefix: another one (e.g. for `test_` keys) may claim the rest. */
  private claim(credentials: Credentials): string | undefined {
    const candidate = credentials.apiKey ?? credentials.bearer;
    return candidate !== undefined && startsWith.call(candidate, this.keyStart) ? candidate : undefined;
  }

  private fail(
    reason: 'malformed' | 'unknown-key' | 'invalid-key' | 'revoked' | 'expired',
    keyId?: string,
  ): AuthnResult {
    return {
      kind: 'failure',
      method: METHOD,
      reason,
      ...(keyId !== undefined && { subject: `key:${keyId}` }),
    };
  }
}

const IMMUTABLE_FIELDS = [
  'keyId',
  'clientId',
  'hash',
  'roles',
  'tenant',
  'attributes',
  'expiresAt',
  'revokedAt',
];
const immutable = new WeakMap<ApiKeyRecord, boolean>();

/**
 * Whether a record can stand for "unchanged" while the store hands out the same object: frozen, a plain
 * object, data properties only (no getter can change an answer), roles and attributes frozen too.
 */
function isImmutable(record: ApiKeyRecord): boolean {
  const known = immutable.get(record);
  if (known !== undefined) return known;
  const prototype = Object.getPrototypeOf(record) as unknown;
  const plain =
    !types.isProxy(record) &&
    Object.isFrozen(record) &&
    (prototype === Object.prototype || prototype === null) &&
    IMMUTABLE_FIELDS.every((field) => {
      const descriptor = Object.getOwnPropertyDescriptor(record, field);
      return descriptor === undefined || 'value' in descriptor;
    }) &&
    Object.isFrozen(record.roles) &&
    (record.attributes === undefined || Object.isFrozen(record.attributes));
  immutable.set(record, plain);
  return plain;
}

const NO_CREDENTIALS: AuthnResult = Object.freeze({ kind: 'no-credentials' });

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}

/** Shorthand for `new ApiKeyAuthenticator(options)`, as in `AccessModule.forRoot({ authenticators: [apiKeys(...)] })`. */
export function apiKeys(options: ApiKeyAuthenticatorOptions): ApiKeyAuthenticator {
  return new ApiKeyAuthenticator(options);
}
