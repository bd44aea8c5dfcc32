import { ApiKeyConflictError, ApiKeyLimitError, ApiKeyNotFoundError } from './authn.errors.js';
import type { ApiKeyRecord, ApiKeyStore } from './interfaces/api-key-store.interface.js';

/** Two keys per client: the current one and its successor while clients roll over. */
export const MAX_ACTIVE_KEYS_PER_CLIENT = 2;

/** An `ApiKeyStore` in memory, for demos, tests and keys loaded from configuration. */
export class InMemoryApiKeyStore implements ApiKeyStore {
  private readonly records = new Map<string, ApiKeyRecord>();

  constructor(
    records: Iterable<ApiKeyRecord> = [],
    private readonly now: () => number = Date.now,
  ) {
    for (const record of records) this.add(record);
  }

  /** O(1) lookup by the key id embedded in the key; synchronous, so the guard needs no Promise for it. */
  findByKeyId(keyId: string): ApiKeyRecord | undefined {
    return this.records.get(keyId);
  }

  /** Stores a record; throws `ApiKeyLimitError` when its client already has two active keys. */
  add(record: ApiKeyRecord): void {
    if (this.records.has(record.keyId)) throw new ApiKeyConflictError();
    if (
      isActive(record, this.now()) &&
      this.activeKeys(record.clientId).length >= MAX_ACTIVE_KEYS_PER_CLIENT
    ) {
      throw new ApiKeyLimitError(record.clientId, MAX_ACTIVE_KEYS_PER_CLIENT);
    }
    this.records.set(record.keyId, frozenCopy(record));
  }

  /** Marks a key revoked; it fails authentication from now on and no longer counts as active. */
  revoke(keyId: string, at: Date = new Date(this.now())): void {
    const record = this.records.get(keyId);
    if (!record) throw new ApiKeyNotFoundError();
    if (record.revokedAt === undefined) {
      this.records.set(keyId, frozenCopy({ ...record, revokedAt: at.toISOString() }));
    }
  }

  /** The client's keys that are neither revoked nor expired. */
  activeKeys(clientId: string): ApiKeyRecord[] {
    const now = this.now();
    return [...this.records.values()].filter((r) => r.clientId === clientId && isActive(r, now));
  }

  /** Every record, for listing; holds hashes only. */
  list(): ApiKeyRecord[] {
    return [...this.records.values()];
  }
}

/** Neither revoked nor past its expiry at `now` (ms since epoch). */
export function isActive(record: ApiKeyRecord, now: number): boolean {
  if (record.revokedAt !== undefined) return false;
  return record.expiresAt === undefined || Date.parse(record.expiresAt) > now;
}

/**
 * A copy the caller cannot change afterwards, roles and attributes included: a record stands for one
 * state of a key, and authenticators may cache what they derived from it.
 */
function frozenCopy(record: ApiKeyRecord): ApiKeyRecord {
  return Object.freeze({
    ...record,
    roles: Object.freeze([...record.roles]),
    ...(record.attributes !== undefined && { attributes: Object.freeze({ ...record.attributes }) }),
  });
}
