import pg from 'pg';
import { Pool } from '@steward/pool';
import { postgresFactory } from '@steward/pool/postgres';
import { sampleBackends, uniqueAppName, waitForBackends } from './pool-pg-helpers.js';
import { databaseUrl } from './services.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issue 12, finding 7: a pool counts a resource against `max` until its destroy settles, so a database
 * connection budget can rely on `max`. Slow destroys (the connection stays open 300 ms after the pool
 * let go of it) and every lease retiring (maxUses 1) are the worst case; a side connection samples
 * pg_stat_activity the whole time.
 */
describe('Pool destroy budget (real PostgreSQL)', () => {
  it('never shows PostgreSQL more than max connections from the pool while destroys are slow', async () => {
    const appName = uniqueAppName('destroy-budget');
    const base = postgresFactory({ connectionString: databaseUrl(), applicationName: appName });
    let destroysStarted = 0;
    const pool = new Pool<pg.Client>(
      {
        create: (signal) => base.create(signal),
        destroy: async (client) => {
          destroysStarted++;
          await sleep(300);
          await base.destroy(client);
        },
      },
      { name: 'destroy-budget', max: 2, maxUses: 1, destroyTimeoutMs: 5_000 },
    );

    const sampler = await sampleBackends(appName, 5);
    const counts = sampler.counts;

    try {
      const worker = async () => {
        for (let i = 0; i < 4; i++) await pool.use((client) => client.query('SELECT 1'));
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      await pool.close();
    } finally {
      await sampler.stop();
    }

    expect(destroysStarted).toBe(24);
    expect(counts.length).toBeGreaterThan(20);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(1); // the sampler did see the pool's backends
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    expect(await waitForBackends(appName, 0)).toBe(0);
  }, 60_000);
});
