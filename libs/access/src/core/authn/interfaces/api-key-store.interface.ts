/** What a service stores for one API key: the HMAC of the key, never the key. */
export interface ApiKeyRecord {
  /** Short non-secret id embedded in the key; the lookup index. */
  readonly keyId: string;
  /** Hex HMAC-SHA256(pepper, key). */
  readonly hash: string;
  /** The principal id the key authenticates as. */
  readonly clientId: string;
  readonly roles: readonly string[];
  readonly tenant?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  /** ISO 8601. */
  readonly createdAt: string;
  /** ISO 8601; absent = no expiry. */
  readonly expiresAt?: string;
  /** ISO 8601; present = revoked. */
  readonly revokedAt?: string;
  readonly label?: string;
}

/** Where API key records live: memory, a database, a config file. Lookups are by key id: O(1). */
export interface ApiKeyStore {
  /** A store that answers from memory may return the record directly; the authenticator then stays synchronous. */
  findByKeyId(keyId: string): ApiKeyRecord | undefined | Promise<ApiKeyRecord | undefined>;
}
