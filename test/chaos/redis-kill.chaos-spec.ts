import { demoKeys, withKey } from './support/access.js';
import { startDemo, stopDemo, type DemoProcess } from './support/demo-process.js';
import { call, sleep, waitUntil } from './support/http.js';
import { startLoad, tally, type LoadRun } from './support/load.js';
import { adminQuery, countBackends, databaseUrl } from './support/postgres.js';
import { clientIds, ensureRedis, killClients, redisUrl, stopRedis } from './support/redis.js';

// Scenario 4: the Redis cache loses every connection (CLIENT KILL), then the server itself (shutdown and
// restart) during a read load. Item reads keep working from the database while the cache is down, the
// process never crashes, and the cache is used again once Redis is back.
const APP = `steward-chaos-redis-${process.pid}`;
const TABLE = `chaos_redis_${process.pid}`;
const CLIENTS = 100;

describe('chaos: Redis killed', () => {
  const keys = demoKeys();
  let demo: DemoProcess | undefined;
  let load: LoadRun | undefined;

  afterEach(async () => {
    // A failed assertion must not leave the clients running until their own deadline.
    await load?.stop();
    load = undefined;
    await stopDemo(demo);
    demo = undefined;
    await ensureRedis();
  }, 30_000);

  afterAll(async () => {
    await adminQuery(`DROP TABLE IF EXISTS ${TABLE}`);
  }, 30_000);

  it('keeps serving item reads through CLIENT KILL and a Redis restart, then uses the cache again', async () => {
    await ensureRedis();
    demo = await startDemo({
      ...keys.env,
      DATABASE_URL: databaseUrl(),
      PG_APPLICATION_NAME: APP,
      ITEMS_TABLE: TABLE,
      REDIS_URL: redisUrl(),
      REDIS_CONNECTION_NAME: APP,
      POOL_MAINTENANCE_MS: '200',
    });
    await adminQuery(`INSERT INTO ${TABLE} (name) SELECT 'item ' || g FROM generate_series(1, 5) g`);
    const itemUrl = `${demo.url}/items/3`;
    expect((await call(itemUrl, { headers: withKey(keys.reader) })).status).toBe(200);
    // The cache is really in the path: the demo holds named connections to Redis.
    await waitUntil('the demo to connect to Redis', async () => (await clientIds(APP)).length > 0, 10_000);

    load = startLoad({
      url: itemUrl,
      concurrency: CLIENTS,
      maxDurationMs: 9_000,
      headers: withKey(keys.reader),
    });
    const started = performance.now();
    await sleep(1_500);
    const killed = await killClients(APP);
    await sleep(1_500);
    const downAt = performance.now() - started;
    await stopRedis();
    const [readyWhileDown] = await Promise.all([
      call(`${demo.url}/health/ready`).then((r) => r.status),
      sleep(1_000),
    ]);
    await ensureRedis();
    const upAt = performance.now() - started;
    const reconnectMs = await waitUntil(
      'the demo to reconnect to Redis',
      async () => (await clientIds(APP)).length > 0,
      10_000,
    );
    const outcomes = await load.done;
    const seconds = Math.max(...outcomes.map((o) => o.endedAt)) / 1_000;
    const duringOutage = outcomes.filter((o) => o.sentAt >= downAt && o.sentAt < upAt);
    console.log(
      `redis-kill: ${outcomes.length} reads in ${seconds.toFixed(1)} s (${(outcomes.length / seconds).toFixed(0)}/s), ` +
        `${CLIENTS} clients; CLIENT KILL ${killed} connections; Redis down ${((upAt - downAt) / 1_000).toFixed(1)} s ` +
        `(${duringOutage.length} reads meanwhile); reconnected ${reconnectMs.toFixed(0)} ms after restart; ` +
        `outcomes ${JSON.stringify(tally(outcomes))}`,
    );

    expect(killed).toBeGreaterThan(0);
    expect(demo.alive()).toBe(true);
    // Reads were served all along, also while Redis was gone: the cache is bypassed, never in the way.
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    // An optional cache down is not a reason to take the instance out of the load balancer.
    expect(readyWhileDown).toBe(200);
    expect((await call(itemUrl, { headers: withKey(keys.reader) })).status).toBe(200);

    demo.child.kill('SIGTERM');
    expect((await demo.exited).code).toBe(0);
    expect(await clientIds(APP)).toEqual([]);
    await waitUntil('no backend left', async () => (await countBackends(APP)) === 0, 5_000);
  }, 60_000);
});
