import pg from 'pg';
import { inspect } from 'node:util';
import { Secret } from '@steward/common';
import {
  ApiKeyAuthenticator,
  ApiKeyConflictError,
  ApiKeyLimitError,
  PostgresApiKeyStore,
  apiKeyTableMigration,
  mintApiKey,
} from '@steward/access';
import { runApiKeyCommand } from '../../libs/access/src/bin/api-key.command.js';
import { startBlackhole } from '../chaos/support/blackhole.js';
import { databaseUrl } from './services.js';

const pepper = new Secret('integration-pepper-0123456789-0123456789');

describe('PostgresApiKeyStore against PostgreSQL', () => {
  const table = `steward_keys_it_${process.pid}_${Date.now()}`;
  let pool: pg.Pool;
  let queries: number;
  const counted = () => ({
    query: (text: string, values?: unknown[]) => {
      queries++;
      return pool.query(text, values);
    },
  });

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: databaseUrl(), max: 4 });
    await new PostgresApiKeyStore({ pool, table }).ensureTable();
  });
  beforeEach(() => {
    queries = 0;
  });
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  it('ships a migration that creates the table and its client index, idempotently', async () => {
    const other = `${table}_m`;
    await pool.query(apiKeyTableMigration(other));
    await pool.query(apiKeyTableMigration(other));
    const { rows } = await pool.query(`select indexname from pg_indexes where tablename = $1 order by 1`, [
      other,
    ]);
    expect(rows.map((r: { indexname: string }) => r.indexname)).toEqual([
      `${other}_client_idx`,
      `${other}_pkey`,
    ]);
    await pool.query(`drop table ${other}`);
  });

  it('stores, finds by key id, lists and revokes records holding only the HMAC', async () => {
    const store = new PostgresApiKeyStore({ pool, table });
    const { key, record } = mintApiKey({
      pepper,
      clientId: 'ops',
      roles: ['admin', 'metrics'],
      label: 'laptop',
    });
    await store.add(record);
    expect(await store.findByKeyId(record.keyId)).toEqual(record);
    expect(await store.findByKeyId('nope00000000')).toBeUndefined();
    expect((await store.list({ clientId: 'ops' })).map((r) => r.keyId)).toEqual([record.keyId]);
    const { rows } = await pool.query(`select * from ${table}`);
    expect(JSON.stringify(rows)).not.toContain(key);
    const revoked = await store.revoke(record.keyId, new Date('2026-02-01T00:00:00Z'));
    expect(revoked.revokedAt).toBe('2026-02-01T00:00:00.000Z');
    await store.revoke(record.keyId); // the first revocation time stays
    expect((await store.findByKeyId(record.keyId))?.revokedAt).toBe('2026-02-01T00:00:00.000Z');
    expect(inspect(store)).not.toContain('postgres://');
  });

  it('allows two active keys per client for rotation, a third only once one is revoked', async () => {
    const store = new PostgresApiKeyStore({ pool, table });
    const keys = [0, 1, 2].map(() => mintApiKey({ pepper, clientId: 'rotating', roles: ['reader'] }));
    await store.add(keys[0]!.record);
    await store.add(keys[1]!.record);
    await expect(store.add(keys[2]!.record)).rejects.toBeInstanceOf(ApiKeyLimitError);
    await store.revoke(keys[0]!.record.keyId);
    await store.add(keys[2]!.record);
    await store.add(keys[2]!.record); // the same record again: nothing to do
    await expect(store.add({ ...keys[2]!.record, hash: 'f'.repeat(64) })).rejects.toBeInstanceOf(
      ApiKeyConflictError,
    );
  });

  it('shows a revocation made on one replica to every replica within cacheMs, with one query per key id meanwhile', async () => {
    let clock = 0;
    const now = () => clock;
    const serving = new PostgresApiKeyStore({ pool: counted(), table, cacheMs: 5_000, now });
    const admin = new PostgresApiKeyStore({ pool, table, cacheMs: 5_000, now });
    const authenticator = new ApiKeyAuthenticator({ pepper, store: serving });
    const { key, record } = mintApiKey({ pepper, clientId: 'replicated', roles: ['reader'] });
    await admin.add(record);

    const outcome = async () => {
      const result = await authenticator.authenticate({ apiKey: key }, {});
      return result.kind === 'failure' ? result.reason : result.kind;
    };
    expect(await Promise.all([outcome(), outcome(), outcome()])).toEqual(['success', 'success', 'success']);
    expect(queries).toBe(1); // concurrent lookups share one query, later ones hit the cache

    await admin.revoke(record.keyId);
    clock += 4_999;
    expect(await outcome()).toBe('success'); // inside the stated bound: the replica's copy
    clock += 1;
    expect(await outcome()).toBe('revoked'); // at cacheMs every replica has read the revocation
    expect(queries).toBe(2);
  });

  it('reads the table on every lookup with cacheMs 0', async () => {
    const store = new PostgresApiKeyStore({ pool: counted(), table, cacheMs: 0 });
    const { record } = mintApiKey({ pepper, clientId: 'uncached' });
    await store.add(record);
    for (let i = 0; i < 3; i++) await store.findByKeyId(record.keyId);
    expect(queries).toBe(4);
  });

  it('opens its own pool from a connection string, loading pg only then, and closes it', async () => {
    const store = new PostgresApiKeyStore({ connectionString: new Secret(databaseUrl()), table });
    expect(await store.findByKeyId('absent000000')).toBeUndefined();
    await store.close();
  });
});

describe('steward-api-key against PostgreSQL', () => {
  const table = `steward_keys_cli_${process.pid}_${Date.now()}`;
  const env = { DATABASE_URL: databaseUrl(), STEWARD_API_KEY_PEPPER: pepper.reveal() };
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
  });
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  it('migrates, rotates, lists and revokes through the real key store', async () => {
    const run = (...argv: string[]) => runApiKeyCommand([...argv, '--table', table], env);
    expect(await run('migrate')).toMatchObject({ code: 0 });
    const { key, record } = mintApiKey({ pepper, clientId: 'cli', roles: ['reader'] });
    await new PostgresApiKeyStore({ pool, table }).add(record);

    const rotated = await run('rotate', record.keyId);
    expect(rotated.code).toBe(0);
    const successor = rotated.stdout.match(/^stw_[0-9A-Za-z]{44}$/m)![0];
    const listed = await run('list', '--client', 'cli', '--json');
    expect((JSON.parse(listed.stdout) as { keyId: string }[]).map((r) => r.keyId).sort()).toEqual(
      [record.keyId, successor.slice(4, 16)].sort(),
    );
    expect((await run('revoke', record.keyId)).code).toBe(0);

    const authenticator = new ApiKeyAuthenticator({
      pepper,
      store: new PostgresApiKeyStore({ pool, table, cacheMs: 0 }),
    });
    const reason = async (k: string) => {
      const result = await authenticator.authenticate({ apiKey: k }, {});
      return result.kind === 'failure' ? result.reason : result.kind;
    };
    expect([await reason(key), await reason(successor)]).toEqual(['revoked', 'success']);
    expect(rotated.stdout + listed.stdout).not.toContain(databaseUrl());
  });

  it('fails a lookup against a database that never answers within connectTimeoutMs, instead of holding it', async () => {
    await using hole = await startBlackhole();
    const store = new PostgresApiKeyStore({
      connectionString: new Secret(`postgres://postgres@127.0.0.1:${hole.port}/test`),
      connectTimeoutMs: 200,
    });
    try {
      await expect(store.findByKeyId('k1')).rejects.toThrow(/timeout/i);
      expect(hole.accepted).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('refuses a connectTimeoutMs out of range, naming it', () => {
    expect(
      () => new PostgresApiKeyStore({ connectionString: 'postgres://x/y', connectTimeoutMs: 0 }),
    ).toThrow(/connectTimeoutMs/);
  });
});
