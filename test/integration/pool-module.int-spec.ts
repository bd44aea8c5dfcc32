import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { register } from 'prom-client';
import {
  getPoolToken,
  Pool,
  PoolModule,
  PoolTimeoutError,
  type PoolModuleOptions,
  type ResourceFactory,
} from '@steward/pool';
import { postgresFactory } from '@steward/pool/postgres';
import { redisFactory } from '@steward/pool/redis';
import { backendCount, terminateBackends, uniqueAppName, waitForBackends } from './pool-pg-helpers.js';
import { SilentServer } from './pool-silent-server.js';
import { databaseUrl, redisUrl } from './services.js';

async function boot<T>(options: PoolModuleOptions<T>, name = 'db'): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({
    imports: [PoolModule.forRoot({ name, ...(options as PoolModuleOptions) })],
  }).compile();
  return moduleRef.init();
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const found = (await register.getSingleMetric(name)?.get())?.values ?? [];
  return found
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('PoolModule against real PostgreSQL', () => {
  let app: INestApplicationContext | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
  });

  it('replaces every idle backend killed with pg_terminate_backend, counts them, and does not crash', async () => {
    const appName = uniqueAppName('pool-kill');
    app = await boot({
      factory: postgresFactory({ connectionString: databaseUrl(), applicationName: appName }),
      min: 3,
      max: 3,
      validateOnBorrow: true,
      validateSkipWindowMs: 0,
    });
    const pool = app.get<Pool<pg.Client>>(getPoolToken('db'));
    expect(await backendCount(appName)).toBe(3);
    expect(await terminateBackends(appName)).toBe(3);

    const results = await Promise.all(
      [1, 2, 3].map((n) => pool.use((client) => client.query<{ n: number }>('SELECT $1::int AS n', [n]))),
    );
    expect(results.map((r) => r.rows[0]!.n)).toEqual([1, 2, 3]);
    expect(await metric('steward_pool_destroyed_total', { pool: 'db' })).toBe(3);
    expect(pool.stats().destroyedTotal).toBe(3);
  });

  it('leaves zero connections in pg_stat_activity after app.close()', async () => {
    const appName = uniqueAppName('pool-close');
    const started = await boot({
      factory: postgresFactory({ connectionString: databaseUrl(), applicationName: appName }),
      min: 2,
      max: 4,
    });
    const pool = started.get<Pool<pg.Client>>(getPoolToken('db'));
    await Promise.all([1, 2, 3, 4].map(() => pool.use((c) => c.query('SELECT pg_sleep(0.02)'))));
    expect(await backendCount(appName)).toBeGreaterThanOrEqual(2);
    await started.close();
    await started.close();
    expect(await waitForBackends(appName, 0)).toBe(0);
  });

  it('never opens more than max: 5 backends for 50 concurrent callers', async () => {
    const appName = uniqueAppName('pool-max');
    app = await boot({
      factory: postgresFactory({ connectionString: databaseUrl(), applicationName: appName }),
      max: 5,
      acquireTimeoutMs: 60_000,
    });
    const pool = app.get<Pool<pg.Client>>(getPoolToken('db'));
    // Each query reports how many backends of this pool PostgreSQL sees while it runs.
    const seen = await Promise.all(
      Array.from({ length: 50 }, () =>
        pool.use(async (client) => {
          const result = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity, pg_sleep(0.01) WHERE application_name = $1`,
            [appName],
          );
          return result.rows[0]!.n;
        }),
      ),
    );
    expect(Math.max(...seen)).toBeLessThanOrEqual(5);
    expect(Math.max(...seen)).toBeGreaterThan(1);
    expect(pool.stats().createdTotal).toBeLessThanOrEqual(5);
  });

  it('a warm-up that fails part-way leaves no backend behind', async () => {
    const appName = uniqueAppName('pool-warmup');
    const real = postgresFactory({ connectionString: databaseUrl(), applicationName: appName });
    let creates = 0;
    const flaky: ResourceFactory<pg.Client> = {
      ...real,
      create: async (signal) => {
        if (++creates === 3) throw new Error('boom');
        return real.create(signal);
      },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'db', factory: flaky, min: 4, max: 4 })],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow();
    await moduleRef.close();
    expect(creates).toBeGreaterThanOrEqual(3);
    expect(await waitForBackends(appName, 0)).toBe(0);
  });

  it('a create against a listener that never answers times out and leaves no socket', async () => {
    const silent = new SilentServer();
    const port = await silent.listen();
    try {
      app = await boot({
        factory: postgresFactory({ host: '127.0.0.1', port, user: 'x', database: 'x' }),
        max: 1,
        createTimeoutMs: 200,
        acquireTimeoutMs: 500,
        createRetry: { baseMs: 1_000, maxMs: 1_000 },
      });
      const pool = app.get<Pool<pg.Client>>(getPoolToken('db'));
      const failure = await pool.acquire().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(PoolTimeoutError);
      expect(await metric('steward_pool_create_errors_total', { pool: 'db' })).toBeGreaterThanOrEqual(1);
      await app.close();
      app = undefined;
      expect(await silent.waitUntilEmpty()).toBe(true);
    } finally {
      await silent.close();
    }
  });
});

describe('PoolModule against real Redis', () => {
  let app: INestApplicationContext | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
  });

  it('replaces connections killed with CLIENT KILL and keeps answering', async () => {
    const name = uniqueAppName('pool-redis');
    app = await boot(
      {
        factory: redisFactory({ url: redisUrl(), connectionName: name }),
        min: 2,
        max: 2,
        validateOnBorrow: true,
        validateSkipWindowMs: 0,
      },
      'cache',
    );
    const pool = app.get<Pool<Redis>>(getPoolToken('cache'));
    const admin = new Redis(redisUrl(), { lazyConnect: true });
    await admin.connect();
    try {
      const list = (await admin.client('LIST')) as string;
      const ids = list
        .split('\n')
        .filter((line) => line.includes(` name=${name} `))
        .map((line) => /\bid=(\d+)/.exec(line)![1]!);
      expect(ids).toHaveLength(2);
      for (const id of ids) expect(await admin.client('KILL', 'ID', id)).toBe(1);
    } finally {
      admin.disconnect();
    }
    const answers = await Promise.all([1, 2].map(() => pool.use((redis) => redis.ping())));
    expect(answers).toEqual(['PONG', 'PONG']);
    expect(await metric('steward_pool_destroyed_total', { pool: 'cache' })).toBe(2);
  });
});
