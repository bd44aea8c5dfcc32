import { inspect } from 'node:util';
import { OptionChecker, Secret } from '@steward/common';
import { OwnedPgPool } from '../pg/owned-pg-pool.js';
import { ApiKeyConflictError, ApiKeyLimitError, ApiKeyNotFoundError } from './authn.errors.js';
import { MAX_ACTIVE_KEYS_PER_CLIENT } from './in-memory-api-key.store.js';
import type { ApiKeyRecord, ApiKeyStore } from './interfaces/api-key-store.interface.js';

/** A `pg.Pool`-like object: enough to run parameterized queries. */
export interface ApiKeyQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount?: number | null }>;
}

/** Options of `PostgresApiKeyStore`: a pool-like `{ query }`, or a connection string (plain or `Secret`). */
export interface PostgresApiKeyStoreOptions {
  readonly pool?: ApiKeyQueryable;
  readonly connectionString?: string | Secret;
  /** `[schema.]table` (default `steward_api_keys`); `ensureTable()` creates it. */
  readonly table?: string;
  /**
   * How long a record read from the table (or its absence) is reused (default 5 000 ms, at most
   * 60 000). A revocation, expiry change or rotation made on any replica is seen by every replica
   * within this time; 0 reads the table on every request.
   */
  readonly cacheMs?: number;
  /** Key ids remembered at most (default 10 000); the oldest goes first. */
  readonly maxCached?: number;
  /**
   * With a connection string: how long a query waits for a connection of the store's own pool
   * (default 5 000 ms, 1 to 60 000). A database that refuses or never answers fails the lookup (the
   * request then answers 503) within this time instead of holding it.
   */
  readonly connectTimeoutMs?: number;
  /** Monotonic ms for the cache (default `performance.now`). */
  readonly now?: () => number;
}

const TABLE = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/;
const COLUMNS =
  'key_id, hash, client_id, roles, tenant, attributes, label, created_at, expires_at, revoked_at';

/** The table `PostgresApiKeyStore` reads: run once (`steward-api-key migrate`), or let `ensureTable()` do it. */
export function apiKeyTableMigration(table = 'steward_api_keys'): string {
  if (!TABLE.test(table)) throw new RangeError(`bad table name ${JSON.stringify(table.slice(0, 80))}`);
  const index = `${table.replace('.', '_')}_client_idx`;
  return [
    `create table if not exists ${table} (`,
    '  key_id text primary key,',
    '  hash char(64) not null,',
    '  client_id text not null,',
    "  roles text[] not null default '{}',",
    '  tenant text,',
    '  attributes jsonb,',
    '  label text,',
    '  created_at timestamptz not null default now(),',
    '  expires_at timestamptz,',
    '  revoked_at timestamptz',
    ');',
    `create index if not exists ${index.slice(index.lastIndexOf('.') + 1)} on ${table} (client_id);`,
  ].join('\n');
}

interface Row {
  key_id: string;
  hash: string;
  client_id: string;
  roles: string[];
  tenant: string | null;
  attributes: Record<string, unknown> | null;
  label: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

interface Cached {
  readonly record: ApiKeyRecord | undefined;
  readonly until: number;
}

/**
 * API key records in a PostgreSQL table, looked up by key id (the primary key). Each replica keeps
 * what it read for `cacheMs`, so a flood of requests costs one query per key id and interval, and a
 * change made anywhere is seen everywhere within `cacheMs`. Only HMACs are stored, never a key.
 */
export class PostgresApiKeyStore implements ApiKeyStore, AsyncDisposable {
  /** The table, as validated. */
  readonly table: string;
  private readonly pool: ApiKeyQueryable;
  private ownPool: OwnedPgPool | undefined;
  private readonly cacheMs: number;
  private readonly maxCached: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, Cached>();
  // One query per key id at a time: concurrent requests for it share the answer.
  private readonly inFlight = new Map<string, Promise<ApiKeyRecord | undefined>>();

  constructor(options: PostgresApiKeyStoreOptions) {
    const checker = new OptionChecker('PostgresApiKeyStore');
    this.table = options?.table ?? 'steward_api_keys';
    if (typeof this.table !== 'string' || !TABLE.test(this.table)) {
      checker.add('table', 'must be [schema.]name of lowercase letters, digits and _');
    }
    if (!options?.pool && !options?.connectionString) {
      checker.add('pool', 'needs a pool ({ query }) or a connection string');
    }
    checker.integer('cacheMs', options?.cacheMs, 0, 60_000);
    checker.integer('maxCached', options?.maxCached, 1, 10_000_000);
    checker.integer('connectTimeoutMs', options?.connectTimeoutMs, 1, 60_000);
    checker.throwIfAny();
    this.cacheMs = options.cacheMs ?? 5_000;
    this.maxCached = options.maxCached ?? 10_000;
    this.now = options.now ?? (() => performance.now());
    if (options.pool) {
      this.pool = options.pool;
    } else {
      this.ownPool = new OwnedPgPool({
        feature: 'PostgresApiKeyStore',
        connectionString: options.connectionString!,
        max: 4,
        connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      });
      this.pool = this.ownPool;
    }
  }

  /** Creates the table and its index when missing (idempotent). */
  async ensureTable(): Promise<void> {
    await this.pool.query(apiKeyTableMigration(this.table));
  }

  /** The record of `keyId`, from the cache while it is fresh. */
  findByKeyId(keyId: string): Promise<ApiKeyRecord | undefined> {
    const now = this.now();
    const cached = this.cache.get(keyId);
    if (cached !== undefined && cached.until > now) return Promise.resolve(cached.record);
    let pending = this.inFlight.get(keyId);
    if (pending === undefined) {
      pending = this.read(keyId).finally(() => this.inFlight.delete(keyId));
      this.inFlight.set(keyId, pending);
    }
    return pending;
  }

  /**
   * Stores a new record; refused with `ApiKeyLimitError` when its client already has two active keys
   * (checked in the same statement as the insert).
   */
  async add(record: ApiKeyRecord, options: { ignoreLimit?: boolean } = {}): Promise<void> {
    const values = [
      record.keyId,
      record.hash,
      record.clientId,
      [...record.roles],
      record.tenant ?? null,
      record.attributes === undefined ? null : JSON.stringify(record.attributes),
      record.label ?? null,
      record.createdAt,
      record.expiresAt ?? null,
      record.revokedAt ?? null,
      options.ignoreLimit === true ? 1_000_000 : MAX_ACTIVE_KEYS_PER_CLIENT,
    ];
    const { rowCount } = await this.pool.query(
      `insert into ${this.table} (${COLUMNS})
       select $1, $2, $3, $4::text[], $5, $6::jsonb, $7, $8::timestamptz, $9::timestamptz, $10::timestamptz
       where $10::timestamptz is not null or ($9::timestamptz is not null and $9::timestamptz <= now())
          or (select count(*) from ${this.table} where client_id = $3 and revoked_at is null
              and (expires_at is null or expires_at > now())) < $11
       on conflict (key_id) do nothing`,
      values,
    );
    if (rowCount === 0) {
      // Not inserted: the key id is taken (the same record again is fine), or the client is at its limit.
      const existing = await this.read(record.keyId);
      if (existing === undefined) throw new ApiKeyLimitError(record.clientId, MAX_ACTIVE_KEYS_PER_CLIENT);
      if (existing.hash !== record.hash) throw new ApiKeyConflictError();
    }
  }

  /** Marks a key revoked (the first revocation time stays); every replica refuses it within `cacheMs`. */
  async revoke(keyId: string, at: Date = new Date()): Promise<ApiKeyRecord> {
    const { rows } = await this.pool.query(
      `update ${this.table} set revoked_at = coalesce(revoked_at, $2) where key_id = $1 returning ${COLUMNS}`,
      [keyId, at.toISOString()],
    );
    const row = rows[0] as Row | undefined;
    if (!row) throw new ApiKeyNotFoundError();
    this.cache.delete(keyId);
    return toRecord(row);
  }

  /** Every record, or a client's, newest first; hashes only. */
  async list(options: { clientId?: string } = {}): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query(
      `select ${COLUMNS} from ${this.table}
       where $1::text is null or client_id = $1 order by created_at desc, key_id`,
      [options.clientId ?? null],
    );
    return (rows as Row[]).map(toRecord);
  }

  /** Ends the pool it created from a connection string; a pool handed in stays the caller's. */
  async close(): Promise<void> {
    await this.ownPool?.close();
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // The pool it owns carries the connection string: never print it.
  [inspect.custom](): string {
    return `PostgresApiKeyStore { table: ${JSON.stringify(this.table)} }`;
  }

  toJSON(): { table: string } {
    return { table: this.table };
  }

  private async read(keyId: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query(`select ${COLUMNS} from ${this.table} where key_id = $1`, [keyId]);
    const row = rows[0] as Row | undefined;
    const record = row === undefined ? undefined : toRecord(row);
    if (this.cacheMs > 0) {
      this.cache.delete(keyId); // re-inserted last: eviction goes oldest first
      if (this.cache.size >= this.maxCached) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(keyId, { record, until: this.now() + this.cacheMs });
    }
    return record;
  }
}

function toRecord(row: Row): ApiKeyRecord {
  return Object.freeze({
    keyId: row.key_id,
    hash: row.hash,
    clientId: row.client_id,
    roles: Object.freeze([...row.roles]),
    ...(row.tenant !== null && { tenant: row.tenant }),
    ...(row.attributes !== null && { attributes: Object.freeze({ ...row.attributes }) }),
    ...(row.label !== null && { label: row.label }),
    createdAt: new Date(row.created_at).toISOString(),
    ...(row.expires_at !== null && { expiresAt: new Date(row.expires_at).toISOString() }),
    ...(row.revoked_at !== null && { revokedAt: new Date(row.revoked_at).toISOString() }),
  });
}
