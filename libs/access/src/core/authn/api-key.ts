import { createHmac, randomBytes } from 'node:crypto';
import { OptionChecker, Secret } from '@steward/common';
import { AUTHN_MESSAGES } from './authn.messages.js';
import type { ApiKeyRecord } from './interfaces/api-key-store.interface.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Length of the non-secret key id that starts the random part (≈71 bits: collisions are negligible). */
export const API_KEY_ID_LENGTH = 12;
/** Length of the secret part: 32 base62 characters ≈ 190 bits, above the 128 bits required. */
export const API_KEY_SECRET_LENGTH = 32;
/** The shortest pepper accepted. */
export const API_KEY_PEPPER_MIN_LENGTH = 32;
const PREFIX_PATTERN = /^[a-z][a-z0-9]{1,15}$/;
const KEY_PATTERN = new RegExp(
  `^[a-z][a-z0-9]{1,15}_[0-9A-Za-z]{${API_KEY_ID_LENGTH + API_KEY_SECRET_LENGTH}}$`,
);

/** The parts of a well-formed key; the secret part is not returned on purpose. */
export interface ParsedApiKey {
  readonly prefix: string;
  readonly keyId: string;
}

/** Options of `mintApiKey`. */
export interface MintApiKeyOptions {
  pepper: Secret;
  clientId: string;
  roles?: readonly string[];
  /** Lower-case letters and digits, 2–16 characters, e.g. 'stw'. */
  prefix?: string;
  tenant?: string;
  attributes?: Record<string, unknown>;
  expiresAt?: Date;
  label?: string;
  /** Defaults to `new Date()`; injectable for tests. */
  now?: Date;
}

/** A new key: `key` is shown once to its owner, `record` is what the service stores. */
export interface MintedApiKey {
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/** Uniform base62 string from the CSPRNG (rejection sampling: no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Splits a key into prefix and key id; `undefined` when it is not a well-formed Steward key. */
export function parseApiKey(key: unknown): ParsedApiKey | undefined {
  if (typeof key !== 'string' || key.length > 64) return undefined;
  // `test` and two slices: capture groups would allocate a match array on every request.
  if (!KEY_PATTERN.test(key)) return undefined;
  const separator = key.indexOf('_');
  return {
    prefix: key.slice(0, separator),
    keyId: key.slice(separator + 1, separator + 1 + API_KEY_ID_LENGTH),
  };
}

/** Hex HMAC-SHA256(pepper, key): what a store keeps instead of the key. */
export function hashApiKey(pepper: Secret, key: string): string {
  return hmacApiKey(pepper, key).toString('hex');
}

/** HMAC-SHA256(pepper, key) as bytes, for the constant-time compare without a hex round trip. */
export function hmacApiKey(pepper: Secret, key: string): Buffer {
  return createHmac('sha256', pepper.reveal()).update(key, 'utf8').digest();
}

/** Adds an issue unless `pepper` is a `Secret` long enough to pepper HMACs. */
export function checkPepper(checker: OptionChecker, pepper: unknown, path = 'pepper'): void {
  if (!(pepper instanceof Secret) || pepper.reveal().length < API_KEY_PEPPER_MIN_LENGTH) {
    checker.add(path, AUTHN_MESSAGES.pepperTooShort(API_KEY_PEPPER_MIN_LENGTH));
  }
}

const NAMESPACE = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Adds an issue unless `namespace` is 1–32 lower-case letters, digits or `-`. A principal's id is
 * `<namespace>:<id>`: the namespace says which authenticator vouches for the id, so a JWT whose `sub`
 * equals an API client's id is never that client.
 */
export function checkNamespace(checker: OptionChecker, namespace: unknown, path = 'namespace'): void {
  if (namespace !== undefined && (typeof namespace !== 'string' || !NAMESPACE.test(namespace))) {
    checker.add(path, 'must be 1-32 lower-case letters, digits or -, starting with a letter');
  }
}

/** Adds an issue unless `prefix` is 2–16 lower-case letters or digits starting with a letter. */
export function checkPrefix(checker: OptionChecker, prefix: unknown, path = 'prefix'): void {
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    checker.add(path, 'must be 2-16 lower-case letters or digits, starting with a letter');
  }
}

/** Mints a new API key `<prefix>_<key id><secret>` and the record to store for it. */
export function mintApiKey(options: MintApiKeyOptions): MintedApiKey {
  const prefix = options.prefix ?? 'stw';
  const checker = new OptionChecker('API key');
  checkPepper(checker, options.pepper);
  checkPrefix(checker, prefix);
  if (
    typeof options.clientId !== 'string' ||
    options.clientId.length === 0 ||
    options.clientId.length > 256
  ) {
    checker.add('clientId', 'must be a non-empty string of at most 256 characters');
  }
  const roles = options.roles ?? [];
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string' || r.length === 0)) {
    checker.add('roles', 'must be an array of non-empty strings');
  }
  const now = options.now ?? new Date();
  if (options.expiresAt !== undefined) {
    if (!(options.expiresAt instanceof Date) || Number.isNaN(options.expiresAt.getTime())) {
      checker.add('expiresAt', 'must be a valid Date');
    } else if (options.expiresAt.getTime() <= now.getTime()) {
      checker.add('expiresAt', 'must be in the future');
    }
  }
  checker.throwIfAny();

  const keyId = randomBase62(API_KEY_ID_LENGTH);
  const key = `${prefix}_${keyId}${randomBase62(API_KEY_SECRET_LENGTH)}`;
  const record: ApiKeyRecord = {
    keyId,
    hash: hashApiKey(options.pepper, key),
    clientId: options.clientId,
    roles: [...roles],
    createdAt: now.toISOString(),
    ...(options.tenant !== undefined && { tenant: options.tenant }),
    ...(options.attributes !== undefined && { attributes: { ...options.attributes } }),
    ...(options.expiresAt !== undefined && { expiresAt: options.expiresAt.toISOString() }),
    ...(options.label !== undefined && { label: options.label }),
  };
  return { key, record };
}
