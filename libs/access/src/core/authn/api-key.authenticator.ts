import { hash, timingSafeEqual } from 'node:crypto';
import { OptionChecker, type Secret } from '@steward/common';
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
  /** Wall clock in ms since epoch for expiry (default `Date.now`). */
  now?: () => number;
  /**
   * How long a key that passed the HMAC check skips it while its stored hash is unchanged (default
   * 60 000 ms; 0 turns the cache off). Revocation and expiry are read from the store on every request.
   */
  verifiedCacheMs?: number;
  /** At most this many verified keys are remembered (default 1 024); the oldest goes first. */
  verifiedCacheSize?: number;
}

const METHOD = 'api-key';
const ZERO_HASH = Buffer.alloc(32);

/** A key that passed the HMAC check: the stored hash it matched, and until when that is trusted. */
interface VerifiedKey {
  readonly hash: string;
  readonly until: number;
}

/** Authenticates `<prefix>_<key id><secret>` keys against HMAC-SHA256 hashes in an `ApiKeyStore`. */
export class ApiKeyAuthenticator implements Authenticator {
  readonly method = METHOD;
  readonly scheme = 'ApiKey';
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly decoded = new WeakMap<ApiKeyRecord, Buffer>();
  private readonly successes = new WeakMap<ApiKeyRecord, AuthnResult>();
  // Keyed by SHA-256 of the full key: only the exact key that passed the HMAC compare finds its entry,
  // and the digest is useless to anyone reading memory (the key has ~190 random bits).
  private readonly verified = new Map<string, VerifiedKey>();
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
    checker.throwIfAny();
    this.prefix = options.prefix ?? 'stw';
    this.now = options.now ?? Date.now;
    this.cacheMs = options.verifiedCacheMs ?? 60_000;
    this.cacheSize = options.verifiedCacheSize ?? 1_024;
  }

  /** Synchronous when the store answers synchronously (the in-memory one): no Promise per request. */
  authenticate(credentials: Credentials, _context?: AuthnContext): AuthnResult | Promise<AuthnResult> {
    const key = this.claim(credentials);
    if (key === undefined) return NO_CREDENTIALS;
    const parsed = parseApiKey(key);
    if (!parsed || parsed.prefix !== this.prefix) return this.fail('malformed');

    const found = this.options.store.findByKeyId(parsed.keyId);
    return isPromiseLike(found)
      ? Promise.resolve(found).then((record) => this.verify(key, parsed.keyId, record))
      : this.verify(key, parsed.keyId, found);
  }

  private verify(key: string, keyId: string, record: ApiKeyRecord | undefined): AuthnResult {
    const now = this.now();
    // Digest and lookup happen for unknown ids too, so unknown and wrong keys still cost the same.
    const digest = this.cacheMs > 0 ? hash('sha256', key, 'base64') : undefined;
    const known = digest === undefined ? undefined : this.verified.get(digest);
    // HMAC(key) equalled `known.hash` (constant-time compare); if the store still holds that hash, the
    // full check would pass again. Anything else takes the full path.
    if (record === undefined || known?.hash !== record.hash || !(known.until > now)) {
      // Hash even when the id is unknown so unknown and wrong keys cost the same.
      const presented = hmacApiKey(this.options.pepper, key);
      const stored = record ? this.storedHash(record) : ZERO_HASH;
      const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
      if (digest !== undefined) this.verified.delete(digest);
      if (!record) return this.fail('unknown-key', keyId);
      if (!equal) return this.fail('invalid-key', keyId);
      if (digest !== undefined) this.remember(digest, record.hash, now);
    }
    if (record.revokedAt !== undefined) return this.fail('revoked', keyId);
    if (record.expiresAt !== undefined && !(Date.parse(record.expiresAt) > now)) {
      return this.fail('expired', keyId);
    }

    return this.success(record);
  }

  /**
   * The success result for a record, built once per frozen record: the result and its principal are
   * frozen too, so every request can share them. A store that changes a key hands out a new object.
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
      if (Object.isFrozen(record)) this.successes.set(record, result);
    }
    return result;
  }

  private remember(digest: string, storedHash: string, now: number): void {
    if (this.verified.size >= this.cacheSize) {
      const oldest = this.verified.keys().next();
      if (oldest.done) return; // size 0: nothing is remembered
      this.verified.delete(oldest.value);
    }
    this.verified.set(digest, { hash: storedHash, until: now + this.cacheMs });
  }

  /**
   * The record's hash as bytes, decoded once per frozen record: a frozen record cannot change its hash
   * in place, and a store that revokes or replaces a key hands out a new object.
   */
  private storedHash(record: ApiKeyRecord): Buffer {
    let bytes = this.decoded.get(record);
    if (bytes === undefined) {
      bytes = Buffer.from(record.hash, 'hex');
      if (Object.isFrozen(record)) this.decoded.set(record, bytes);
    }
    return bytes;
  }

  /** Only keys with this authenticator's prefix: another one (e.g. for `test_` keys) may claim the rest. */
  private claim(credentials: Credentials): string | undefined {
    const candidate = credentials.apiKey ?? credentials.bearer;
    return candidate?.startsWith(`${this.prefix}_`) ? candidate : undefined;
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

const NO_CREDENTIALS: AuthnResult = Object.freeze({ kind: 'no-credentials' });

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}

/** Shorthand for `new ApiKeyAuthenticator(options)`, as in `AccessModule.forRoot({ authenticators: [apiKeys(...)] })`. */
export function apiKeys(options: ApiKeyAuthenticatorOptions): ApiKeyAuthenticator {
  return new ApiKeyAuthenticator(options);
}
