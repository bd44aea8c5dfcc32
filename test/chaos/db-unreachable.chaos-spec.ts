import { createServer } from 'node:net';
import { demoKeys, withKey } from './support/access.js';
import { startBlackhole } from './support/blackhole.js';
import { runDemoToExit, startDemo, stopDemo, type DemoProcess } from './support/demo-process.js';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { call, metricValue, sleep, STACK_TRACE, waitUntil, type Reply } from './support/http.js';
import { adminQuery, countBackends, databaseUrl } from './support/postgres.js';

// Scenario 3: the database goes away (nothing listens, then a port that accepts and never answers) and
// comes back. Requests fail fast with a clear 503, readiness says so, connects are paced by the backoff,
// and the same process serves again once the database is back.
const APP = `steward-chaos-unreachable-${process.pid}`;
const TABLE = `chaos_unreachable_${process.pid}`;
const ACQUIRE_TIMEOUT_MS = 1_000;
const POOL_MAX = 4;
// Room for a slow, shared machine on top of the acquire timeout; a hang would be the 5 s create timeout or more.
const SLACK_MS = 2_000;

describe('chaos: database unreachable', () => {
  const keys = demoKeys();
  let demo: DemoProcess | undefined;
  let proxy: FaultProxy | undefined;

  afterEach(async () => {
    await stopDemo(demo);
    await proxy?.close();
    demo = undefined;
    proxy = undefined;
  }, 30_000);

  afterAll(async () => {
    await adminQuery(`DROP TABLE IF EXISTS ${TABLE}`);
  }, 30_000);

  const burst = (url: string, n: number): Promise<Reply[]> =>
    Promise.all(
      Array.from({ length: n }, () =>
        call(`${url}/items`, { headers: withKey(keys.reader), timeoutMs: 15_000 }),
      ),
    );

  const expectFastProblems = (replies: Reply[], port: number): void => {
    for (const reply of replies) {
      expect(reply.status).toBe(503);
      expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(reply.body) as { status?: number; title?: string };
      expect(problem.status).toBe(503);
      expect(typeof problem.title).toBe('string');
      expect(reply.body).not.toMatch(STACK_TRACE);
      // Where the database lives and how the connect failed stay in the log, not in a public body.
      expect(reply.body).not.toContain(`:${port}`);
      expect(reply.body).not.toMatch(/ECONN|ETIMEDOUT/);
      expect(reply.ms).toBeLessThan(ACQUIRE_TIMEOUT_MS + SLACK_MS);
    }
  };

  it('fails fast with 503 while the database refuses or hangs, paces connects, and recovers without a restart', async () => {
    const target = new URL(databaseUrl());
    proxy = await startFaultProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(databaseUrl());
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    demo = await startDemo({
      ...keys.env,
      DATABASE_URL: viaProxy.toString(),
      PG_APPLICATION_NAME: APP,
      ITEMS_TABLE: TABLE,
      DB_POOL_MAX: String(POOL_MAX),
      DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
      POOL_MAINTENANCE_MS: '200',
    });
    const url = demo.url;
    const ready = async (): Promise<number> => (await call(`${url}/health/ready`)).status;
    const createErrors = async (): Promise<number> =>
      metricValue(
        (await call(`${url}/metrics`, { headers: withKey(keys.metrics) })).body,
        'steward_pool_create_errors_total',
        { pool: 'db' },
      );
    expect((await call(`${url}/items`, { headers: withKey(keys.reader) })).status).toBe(200);
    expect(await ready()).toBe(200);

    // 1. Nothing listens any more: connections cut, new connects refused.
    await proxy.set('refuse');
    const refuseToNotReady = await waitUntil('readiness 503 (refused)', async () => (await ready()) === 503);
    const refused = await burst(url, 20);
    expectFastProblems(refused, proxy.port);
    const errorsBefore = await createErrors();
    const windowStart = performance.now();
    await sleep(3_000);
    const refusedPerSecond =
      ((await createErrors()) - errorsBefore) / ((performance.now() - windowStart) / 1_000);
    expect(await ready()).toBe(503);
    expect((await call(`${url}/health/live`)).status).toBe(200);

    // 2. A port that accepts and never answers (a hung server or a black-holed route).
    await proxy.set('blackhole');
    const hung = await burst(url, 20);
    expectFastProblems(hung, proxy.port);
    const acceptedBefore = proxy.accepted('blackhole');
    const hangStart = performance.now();
    await sleep(3_000);
    const hungConnectsPerSecond =
      (proxy.accepted('blackhole') - acceptedBefore) / ((performance.now() - hangStart) / 1_000);
    expect(await ready()).toBe(503);
    expect(demo.alive()).toBe(true);

    // Without a backoff a refused connect is retried in a tight loop (hundreds per second); with it a
    // handful per second at most, and a hung connect holds its slot until the create timeout.
    expect(refusedPerSecond).toBeLessThanOrEqual(POOL_MAX * 3);
    expect(hungConnectsPerSecond).toBeLessThanOrEqual(POOL_MAX);

    // 3. The database is back: the same process recovers by itself.
    await proxy.set('forward');
    const recoveryMs = await waitUntil(
      'items to be served again',
      async () => (await call(`${url}/items`, { headers: withKey(keys.reader) })).status === 200,
      20_000,
      200,
    );
    await waitUntil('readiness 200 again', async () => (await ready()) === 200, 10_000);
    expect(demo.child.pid).toBeDefined();

    console.log(
      `db-unreachable: refused→503 readiness ${refuseToNotReady.toFixed(0)} ms; ` +
        `refused replies max ${Math.max(...refused.map((r) => r.ms)).toFixed(0)} ms; ` +
        `hung replies max ${Math.max(...hung.map((r) => r.ms)).toFixed(0)} ms (acquire timeout ${ACQUIRE_TIMEOUT_MS}); ` +
        `connect attempts/s refused ${refusedPerSecond.toFixed(1)}, hung ${hungConnectsPerSecond.toFixed(1)}; ` +
        `recovered in ${recoveryMs.toFixed(0)} ms`,
    );

    demo.child.kill('SIGTERM');
    expect((await demo.exited).code).toBe(0);
    await waitUntil('no backend left', async () => (await countBackends(APP)) === 0, 5_000);
  }, 60_000);

  it('refuses to boot against a database that is down or hangs, without hanging itself', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await using hole = await startBlackhole();
    const figures: string[] = [];
    for (const [what, port] of [
      ['refused', closedPort],
      ['black-holed', hole.port],
    ] as const) {
      const started = performance.now();
      const run = await runDemoToExit({
        ...keys.env,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test`,
        PG_APPLICATION_NAME: APP,
        ITEMS_TABLE: TABLE,
      });
      const ms = performance.now() - started;
      figures.push(`${what} exit ${run.code} after ${ms.toFixed(0)} ms`);
      expect(run.listened).toBe(false);
      expect(run.code).toBe(1);
      // The first user of the database to fail names it: the API key store (DATABASE_URL), prepared
      // while the modules are built, or the db pool at warm-up. The log is JSON: quotes may come escaped.
      expect(run.output).toMatch(/DATABASE_URL: the API key store could not be prepared|Pool \\?"db\\?"/);
      expect(run.output).not.toContain('postgres://');
      expect(run.output).not.toMatch(STACK_TRACE);
      // Bounded by the demo's 5 s create timeout, not by a TCP timeout of minutes.
      expect(ms).toBeLessThan(5_000 + 8_000);
    }
    expect(hole.accepted).toBeGreaterThan(0);
    console.log(`db-unreachable at boot: ${figures.join('; ')}`);
  }, 60_000);
});
