import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Pool, type ResourceFactory } from '@steward/pool';
import { redisBudget } from '@steward/pool/budget';
import { postgresFactory } from '@steward/pool/postgres';
import { sampleBackends, uniqueAppName, waitForBackends } from './pool-pg-helpers.js';
import { databaseUrl, redisUrl } from './services.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** In-memory resources: what the budget's logic needs, without a database. */
const memoryFactory = (): ResourceFactory<{ id: number }> => {
  let next = 0;
  return { create: () => Promise.resolve({ id: next++ }), destroy: () => Promise.resolve() };
};

/** Polls `check` every 20 ms until it is true or `ms` passed; returns the time it took. */
async function until(check: () => boolean, ms: number): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await sleep(20);
  }
  return Date.now() - start;
}

/**
 * Issue 16: one connection budget for many pools (replicas), coordinated in the real Redis. Each test uses
 * its own key, so suites sharing the server never see each other's leases.
 */
describe('Pool connection budget (real Redis)', () => {
  let redis: Redis;
  let key: string;
  const pools: Pool<unknown>[] = [];

  beforeEach(() => {
    redis = new Redis(redisUrl(), { lazyConnect: false, maxRetriesPerRequest: 1 });
    key = `steward:test:budget:${randomUUID()}`;
  });

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    const keys = await redis.keys(`{${key}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const budgetPool = <T>(
    factory: ResourceFactory<T>,
    name: string,
    options: {
      total: number;
      max: number;
      leaseTtlMs?: number;
      minPerReplica?: number;
      idleTimeoutMs?: number;
    },
  ): Pool<T> => {
    const budget = redisBudget({
      redis,
      key,
      total: options.total,
      leaseTtlMs: options.leaseTtlMs ?? 1_500,
      minPerReplica: options.minPerReplica ?? 0,
      pollMs: 50,
    });
    const pool = new Pool<T>(factory, {
      name,
      max: options.max,
      budget,
      acquireTimeoutMs: 20_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 300,
      maintenanceIntervalMs: 100,
    });
    pools.push(pool as Pool<unknown>);
    return pool;
  };
  const granted = async (): Promise<number> => {
    const values = await redis.hvals(`{${key}}:leases`);
    return values.reduce((sum, v) => sum + Number(v), 0);
  };
  const load = (pool: Pool<unknown>, clients: number, ms: number, hold = 5) => {
    const end = Date.now() + ms;
    return Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < end) await pool.use(() => sleep(hold));
      }),
    );
  };

  it('three pools against PostgreSQL never hold more connections than the budget while load moves', async () => {
    const appName = uniqueAppName('budget');
    const factory = postgresFactory({ connectionString: databaseUrl(), applicationName: appName });
    const [a, b, c] = ['a', 'b', 'c'].map((n) => budgetPool(factory, n, { total: 6, max: 5 }));
    await sleep(1_600); // the new epoch's window: no budget grants anything before every replica could re-register
    const grants: number[] = [];
    const sampler = await sampleBackends(appName, 20, async () => void grants.push(await granted()));
    const counts = sampler.counts;
    try {
      const query = (p: Pool<pg.Client>) => async () => {
        await p.use((client) => client.query('SELECT pg_sleep(0.005)'));
      };
      const loadPg = async (p: Pool<pg.Client>, ms: number) => {
        const end = Date.now() + ms;
        await Promise.all(
          Array.from({ length: 12 }, async () => {
            while (Date.now() < end) await query(p)();
          }),
        );
      };
      await loadPg(a, 1_500);
      const aPeak = a.stats().budget!.held;
      await loadPg(b, 2_000); // a's idle connections go after 300 ms and b grows into their slots
      const bPeak = b.stats().budget!.held;
      await Promise.all([loadPg(a, 1_500), loadPg(b, 1_500), loadPg(c, 1_500)]);
      expect(aPeak).toBeGreaterThanOrEqual(5);
      expect(bPeak).toBeGreaterThanOrEqual(5);
    } finally {
      await sampler.stop();
    }
    expect(Math.max(...counts)).toBeLessThanOrEqual(6);
    expect(Math.max(...grants)).toBeLessThanOrEqual(6);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(5); // the sampler saw the load
    await Promise.all(pools.splice(0).map((p) => p.close()));
    expect(await granted()).toBe(0); // every slot went back on close
    await waitForBackends(appName, 0);
  }, 30_000);

  it('gives a replica that stopped renewing (killed) slots to the others within the lease TTL', async () => {
    // A replica that took every slot and died: its own connection to Redis goes away, so it never renews.
    const ghostRedis = new Redis(redisUrl(), { maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const ghost = new Pool(memoryFactory(), {
      name: 'ghost',
      max: 4,
      budget: redisBudget({ redis: ghostRedis, key, total: 4, leaseTtlMs: 1_500, pollMs: 50 }),
    });
    await sleep(1_600); // past the new epoch's re-registration window
    const ghostLeases = await Promise.all([0, 1, 2, 3].map(() => ghost.acquire()));
    expect(await granted()).toBe(4);
    ghostRedis.disconnect(); // SIGKILL, as far as Redis can tell
    const pool = budgetPool(memoryFactory(), 'survivor', { total: 4, max: 4 });
    const started = Date.now();
    const leases = await Promise.all([0, 1, 2, 3].map(() => pool.acquire()));
    const waited = Date.now() - started;
    for (const lease of leases) lease.release();
    for (const lease of ghostLeases) lease.release();
    await ghost.close();
    expect(waited).toBeLessThanOrEqual(1_500 + 200);
    // It did wait for the dead lease to end (renewed at most a third of the TTL before the kill): no over-grant.
    expect(waited).toBeGreaterThan(1_500 - 500 - 100);
  });

  it('never over-grants after Redis lost the keys: replicas re-register what they hold before anything new', async () => {
    const a = budgetPool(memoryFactory(), 'a', { total: 6, max: 6 });
    const b = budgetPool(memoryFactory(), 'b', { total: 6, max: 6 });
    await sleep(1_600); // the first epoch's window
    const held = await Promise.all([0, 1, 2, 3].map(() => a.acquire()));
    expect(a.stats().budget!.held).toBe(4);
    await redis.del(`{${key}}:leases`, `{${key}}:expiry`, `{${key}}:wants`, `{${key}}:meta`); // a restart without persistence

    const samples: number[] = [];
    const wanted = Promise.all([0, 1, 2, 3, 4, 5].map(() => b.acquire()));
    const got: number[] = [];
    void wanted.then((leases) => got.push(leases.length));
    const start = Date.now();
    while (Date.now() - start < 2_500) {
      samples.push(a.stats().budget!.held + b.stats().budget!.held);
      await sleep(20);
    }
    expect(Math.max(...samples)).toBeLessThanOrEqual(6);
    expect(b.stats().budget!.held).toBe(2); // a re-registered its 4; b got the rest once the window ended
    expect(a.stats().budget!.held).toBe(4);
    expect(await granted()).toBe(6);
    for (const lease of held) lease.release();
    const leases = await wanted; // a's idle connections go after 300 ms, and b grows into their slots
    for (const lease of leases) lease.release();
    expect(got).toEqual([6]);
  }, 20_000);

  it('shares fairly: a busy replica sheds to its share while another waits, and grows back after', async () => {
    const a = budgetPool(memoryFactory(), 'a', { total: 6, max: 6, idleTimeoutMs: 60_000 });
    const b = budgetPool(memoryFactory(), 'b', { total: 6, max: 6, idleTimeoutMs: 300 });
    await sleep(1_600);
    // a's demand outlasts b's load and the regrowth window below (on a loaded machine a 4 s load
    // could end before a had grown back, and then nothing asks it to).
    const aLoad = load(a as Pool<unknown>, 12, 8_000);
    await until(() => a.stats().budget!.held === 6, 2_000);
    const bLoad = load(b as Pool<unknown>, 12, 2_000);
    const shedMs = await until(() => b.stats().budget!.held >= 3, 2_500);
    expect(a.stats().budget!.held).toBeLessThanOrEqual(3);
    await bLoad;
    await until(() => a.stats().budget!.held >= 5, 3_000); // b is idle again: its idle connections go after 300 ms
    await aLoad;
    expect(shedMs).toBeLessThan(2_000);
  }, 20_000);

  it('hash-tags every key so Redis Cluster keeps a budget in one slot', async () => {
    const pool = budgetPool(memoryFactory(), 'tags', { total: 2, max: 2 });
    await sleep(1_600);
    (await pool.acquire()).release();
    const keys = await redis.keys(`*${key}*`);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const k of keys) expect(k.startsWith(`{${key}}:`)).toBe(true);
  });
});
