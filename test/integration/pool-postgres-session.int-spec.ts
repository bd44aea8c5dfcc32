import pg from 'pg';
import { Pool } from '@steward/pool/core';
import { postgresFactory, withTransaction } from '@steward/pool/postgres';
import { uniqueAppName } from './pool-pg-helpers.js';
import { databaseUrl } from './services.js';

// Session state between borrowers of one real PostgreSQL connection (issue 12 finding 8).
const pools: Pool<pg.Client>[] = [];

function onePool(options: { resetQuery?: string } = {}): Pool<pg.Client> {
  const pool = new Pool(
    postgresFactory({
      connectionString: databaseUrl(),
      applicationName: uniqueAppName('pg-session'),
      ...options,
    }),
    { max: 1, acquireTimeoutMs: 5_000 },
  );
  pools.push(pool);
  return pool;
}

const backendPid = (client: pg.Client): Promise<number> =>
  client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((r) => r.rows[0]!.pid);

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

describe('postgresFactory session state between borrowers (real PostgreSQL)', () => {
  it('finding 8: a connection returned inside a transaction is rolled back before the next borrower gets it', async () => {
    const pool = onePool();
    const first = await pool.acquire();
    const pid = await backendPid(first.resource);
    await first.resource.query('BEGIN');
    await first.resource.query('CREATE TEMP TABLE leaked_in_tx (id int)');
    await first.resource.query("SET LOCAL statement_timeout = '42s'");
    first.release();

    await pool.use(async (client) => {
      // The same backend, but outside any transaction and with the default timeout.
      expect(await backendPid(client)).toBe(pid);
      expect(client.getTransactionStatus()).toBe('I');
      const { rows } = await client.query<{ statement_timeout: string }>('SHOW statement_timeout');
      expect(rows[0]!.statement_timeout).toBe('0');
      await expect(client.query('SELECT * FROM leaked_in_tx')).rejects.toMatchObject({ code: '42P01' });
    });
  });

  it('finding 8: a connection returned inside a failed transaction is rolled back and works for the next borrower', async () => {
    const pool = onePool();
    await pool.use(async (client) => {
      await client.query('BEGIN');
      // Released at once: pg rejects on the error, before the server's ReadyForQuery says 'E'.
      await expect(client.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    });
    await pool.use(async (client) => {
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    });
  });

  it('destroys a connection whose rollback fails instead of lending it again', async () => {
    const pool = onePool();
    const first = await pool.acquire();
    const pid = await backendPid(first.resource);
    await first.resource.query('BEGIN');
    // The socket dies with the transaction open: the rollback cannot run.
    (
      first.resource as unknown as { connection: { stream: { destroy(): void } } }
    ).connection.stream.destroy();
    first.release();
    await pool.use(async (client) => {
      expect(await backendPid(client)).not.toBe(pid);
      expect(client.getTransactionStatus()).toBe('I');
    });
    expect(pool.stats().destroyedTotal).toBeGreaterThanOrEqual(1);
  });

  it('keeps session settings by default and drops them with resetQuery DISCARD ALL, named statements included', async () => {
    const plain = onePool();
    await plain.use((client) => client.query("SET statement_timeout = '5s'"));
    await plain.use(async (client) => {
      expect((await client.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('5s');
    });

    const discarding = onePool({ resetQuery: 'DISCARD ALL' });
    const named = { name: 'steward-one', text: 'SELECT $1::int AS n', values: [1] };
    await discarding.use(async (client) => {
      await client.query("SET statement_timeout = '5s'");
      expect((await client.query(named)).rows[0].n).toBe(1);
    });
    await discarding.use(async (client) => {
      expect((await client.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('0');
      // pg forgets what the server discarded: the named statement is prepared again, not a 26000 error.
      expect((await client.query({ ...named, values: [2] })).rows[0].n).toBe(2);
    });
  });
});

describe('withTransaction (real PostgreSQL)', () => {
  const table = `steward_tx_${process.pid}`;

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY)`);
    await client.end();
  });

  afterAll(async () => {
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  });

  beforeEach(async () => {
    await onePool().use((client) => client.query(`TRUNCATE ${table}`));
  });

  const ids = (pool: Pool<pg.Client>): Promise<number[]> =>
    pool
      .use((c) => c.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`))
      .then((r) => r.rows.map((x) => x.id));

  it('commits what fn wrote and returns its result', async () => {
    const pool = onePool();
    const result = await withTransaction(pool, async (client) => {
      await client.query(`INSERT INTO ${table} VALUES (1)`);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await ids(pool)).toEqual([1]);
  });

  it('rolls back when fn throws and rethrows its error; the connection is clean afterwards', async () => {
    const pool = onePool();
    const boom = new Error('boom');
    await expect(
      withTransaction(pool, async (client) => {
        await client.query(`INSERT INTO ${table} VALUES (2)`);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await ids(pool)).toEqual([]);
    await pool.use(async (client) => expect(client.getTransactionStatus()).toBe('I'));
  });

  it('runs again after a serialization failure (40001) or a deadlock (40P01), at most `retries` more times', async () => {
    const pool = onePool();
    let attempts = 0;
    const result = await withTransaction(
      pool,
      async (client) => {
        attempts++;
        await client.query(`INSERT INTO ${table} VALUES (${attempts})`);
        const code = attempts === 1 ? '40001' : attempts === 2 ? '40P01' : undefined;
        if (code)
          await client.query(`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '${code}'; END $$`);
        return attempts;
      },
      { retries: 3, backoff: { baseMs: 1, maxMs: 5 } },
    );
    expect(result).toBe(3);
    // The failed attempts left nothing behind.
    expect(await ids(pool)).toEqual([3]);

    let tries = 0;
    await expect(
      withTransaction(
        pool,
        async (client) => {
          tries++;
          await client.query(`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$`);
        },
        { retries: 2, backoff: { baseMs: 1, maxMs: 5 } },
      ),
    ).rejects.toMatchObject({ code: '40001' });
    expect(tries).toBe(3);

    // Anything else is not retried.
    let once = 0;
    await expect(
      withTransaction(
        pool,
        async (client) => {
          once++;
          await client.query('SELECT 1/0');
        },
        { retries: 5 },
      ),
    ).rejects.toMatchObject({ code: '22012' });
    expect(once).toBe(1);
  });

  it('refuses a bad retries option', async () => {
    await expect(withTransaction(onePool(), async () => 1, { retries: 11 })).rejects.toThrow(/retries/);
  });
});
