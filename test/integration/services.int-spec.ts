import { Redis } from 'ioredis';
import pg from 'pg';
import { databaseUrl, redisUrl } from './services.js';

// Proves the services the integration suites need are really there (CI starts them in .ci/run).
describe('integration services', () => {
  it('runs a query on PostgreSQL', async () => {
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      const result = await client.query<{ answer: number; db: string }>(
        'select 40 + 2 as answer, current_database() as db',
      );
      expect(result.rows[0]?.answer).toBe(42);
      expect(result.rows[0]?.db).toBeTruthy();
    } finally {
      await client.end();
    }
  });

  it('runs a command on Redis', async () => {
    const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const key = `steward:test:${process.pid}:${Date.now()}`;
      await redis.set(key, 'ok', 'EX', 10);
      expect(await redis.get(key)).toBe('ok');
      expect(await redis.del(key)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });
});
