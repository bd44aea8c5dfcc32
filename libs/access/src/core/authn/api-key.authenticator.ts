import { hash, timingSafeEqual } from 'node:crypto';
import { OptionChecker, type Secret } from '@steward/common';
import type { Principal } from '../interfaces/principal.interface.js';
import { checkNamespace, checkPepper, checkPrefix, hmacApiKey, parseApiKey } from './api-key.js';
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
  /** Wall clock in ms since epoch, for expiry (default `Date.now`). */
  now?: () => number;
  /**
   * How long a key that passed the HMAC check skips it while its stored hash is unchanged (default
   * 60 000 ms; 0 turns the cache off). Revocation and expiry are read from the store on every request.
   */
  verifiedCacheMs?: number;
  /** At most this many verified keys are remembered (default 1 024); the oldest goes first. */
  verifiedCacheSize?: number;
  /** Principals are `<namespace>:<client id>` (default 'client'), apart from other authenticators' ids. */
  namespace?: string;
}

const METHOD = 'api-key';
const ZERO_HASH = Buffer.alloc(32);

/** A key that passed the HMAC check: its SHA-256, the stored hash it matched, and until when that holds. */
interface VerifiedKey {
  readonly digest: string;
  readonly hash: string;
  readonly until: number;
}

/** Authenticates `<prefix>_<key id><secret>` keys against HMAC-SHA256 hashes in an `ApiKeyStore`. */
export class ApiKeyAuthenticator implements Authenticator {
  readonly method = METHOD;
  readonly scheme = 'ApiKey';
  /** The namespace of the principals' ids. */
  readonly namespace: string;
  private readonly keyStart: string;
  private readonly now: () => number;
  // By key id, holding the SHA-256 of the full key: only the exact key that passed the HMAC compare
  // matches its entry, and the digest is useless to anyone reading memory (the key has ~190 random bits).
  // A SHA-256 costs about a third of the HMAC (two SHA-256 passes plus the pepper's key schedule).
  private readonly verified = new Map<string, VerifiedKey>();
  private readonly cacheMs: number;
  private readonly cacheSize: number;

  constructor(private readonly options: ApiKeyAuthenticatorOptions) {
    const checker = new OptionChecker('API key authenticator');
    checkPepper(checker, options?.pepper);
    checkPrefix(checker, options?.prefix ?? 'stw');
    checkNamespace(checker, options?.namespace);
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
    this.keyStart = `${options.prefix ?? 'stw'}_`;
    this.namespace = options.namespace ?? 'client';
    this.now = options.now ?? Date.now;
    this.cacheMs = options.verifiedCacheMs ?? 60_000;
    this.cacheSize = options.verifiedCacheSize ?? 1_024;
  }

  /** Synchronous when the store answers synchronously (the in-memory one): no Promise per request. */
  authenticate(credentials: Credentials, _context?: AuthnContext): AuthnResult | Promise<AuthnResult> {
    const candidate = credentials.apiKey ?? credentials.bearer;
    // Only keys with this prefix: another authenticator (e.g. for `test_` keys) may claim the rest.
    if (candidate === undefined || !candidate.startsWith(this.keyStart)) return NO_CREDENTIALS;
    const key = candidate;
    const parsed = parseApiKey(key);
    if (!parsed || `${parsed.prefix}_` !== this.keyStart) return this.fail('malformed');
    const keyId = parsed.keyId;
    const found = this.options.store.findByKeyId(keyId);
    return isPromiseLike(found)
      ? Promise.resolve(found).then((record) => this.check(key, keyId, record))
      : this.check(key, keyId, found);
  }

  /** `key:<key id>` for a well-formed key of this prefix, read without checking it. */
  subjectOf(credentials: Credentials): string | undefined {
    const candidate = credentials.apiKey ?? credentials.bearer;
    if (candidate === undefined || !candidate.startsWith(this.keyStart)) return undefined;
    const parsed = parseApiKey(candidate);
    return parsed === undefined ? undefined : `key:${parsed.keyId}`;
  }

  private check(key: string, keyId: string, record: ApiKeyRecord | undefined): AuthnResult {
    const now = this.now();
    // Digest and lookup happen for unknown ids too, so unknown and wrong keys still cost the same.
    const digest = this.cacheMs > 0 ? hash('sha256', key, 'base64') : undefined;
    const known = digest === undefined ? undefined : this.verified.get(keyId);
    // HMAC(key) equalled `known.hash` (constant-time compare); if the store still holds that hash, the
    // full check would pass again. Anything else takes the full path.
    const remembered =
      record !== undefined &&
      known !== undefined &&
      known.digest === digest &&
      known.hash === record.hash &&
      known.until > now;
    if (!remembered) {
      const presented = hmacApiKey(this.options.pepper, key);
      const stored = record ? Buffer.from(record.hash, 'hex') : ZERO_HASH;
      const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
      // A stale entry of this very key goes; a wrong secret must not evict the right key's entry.
      if (known !== undefined && known.digest === digest) this.verified.delete(keyId);
      if (!record) return this.fail('unknown-key', keyId);
      if (!equal) return this.fail('invalid-key', keyId);
      if (digest !== undefined) this.remember(keyId, digest, record.hash, now);
    }
    // Revocation and expiry: read from the store's record on every request.
    if (record.revokedAt !== undefined) return this.fail('revoked', keyId);
    if (record.expiresAt !== undefined && !(Date.parse(record.expiresAt) > now)) {
      return this.fail('expired', keyId);
    }
    const principal: Principal = {
      id: `${this.namespace}:${record.clientId}`,
      roles: [...record.roles],
      ...(record.tenant !== undefined && { tenant: record.tenant }),
      attributes: { ...record.attributes, keyId: record.keyId, clientId: record.clientId },
      authMethod: METHOD,
    };
    return { kind: 'success', principal, subject: `key:${keyId}` };
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
