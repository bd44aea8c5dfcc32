import { timingSafeEqual } from 'node:crypto';
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
}

const METHOD = 'api-key';
const ZERO_HASH = Buffer.alloc(32);

/** Authenticates `<prefix>_<key id><secret>` keys against HMAC-SHA256 hashes in an `ApiKeyStore`. */
export class ApiKeyAuthenticator implements Authenticator {
  readonly method = METHOD;
  readonly scheme = 'ApiKey';
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly decoded = new WeakMap<ApiKeyRecord, Buffer>();

  constructor(private readonly options: ApiKeyAuthenticatorOptions) {
    const checker = new OptionChecker('API key authenticator');
    checkPepper(checker, options?.pepper);
    checkPrefix(checker, options?.prefix ?? 'stw');
    if (typeof options?.store?.findByKeyId !== 'function') checker.add('store', 'must be an ApiKeyStore');
    if (options?.now !== undefined && typeof options.now !== 'function')
      checker.add('now', 'must be a function');
    checker.throwIfAny();
    this.prefix = options.prefix ?? 'stw';
    this.now = options.now ?? Date.now;
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
    // Hash even when the id is unknown so unknown and wrong keys cost the same.
    const presented = hmacApiKey(this.options.pepper, key);
    const stored = record ? this.storedHash(record) : ZERO_HASH;
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    if (!record) return this.fail('unknown-key', keyId);
    if (!equal) return this.fail('invalid-key', keyId);
    if (record.revokedAt !== undefined) return this.fail('revoked', keyId);
    if (record.expiresAt !== undefined && !(Date.parse(record.expiresAt) > this.now())) {
      return this.fail('expired', keyId);
    }

    const principal: Principal = {
      id: record.clientId,
      roles: [...record.roles],
      ...(record.tenant !== undefined && { tenant: record.tenant }),
      attributes: { ...record.attributes, keyId: record.keyId },
      authMethod: METHOD,
    };
    return { kind: 'success', principal, subject: `key:${record.keyId}` };
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
