import { demoKeys, withKey } from './support/access.js';
import { startDemo, stopDemo, type DemoProcess } from './support/demo-process.js';
import { call, sleep, waitUntil } from './support/http.js';
import { startLoad, tally, type LoadRun, type Outcome } from './support/load.js';
import { adminQuery, countBackends, databaseUrl, terminateBackends } from './support/postgres.js';

// Scenario 2: every PostgreSQL backend of the demo is terminated twice during a load run (what a
// failover or an admin does). The process stays up, only the queries in flight on a killed connection
// fail, and requests sent 2 s after each kill all succeed.
const APP = `steward-chaos-dbkill-${process.pid}`;
const TABLE = `chaos_dbkill_${process.pid}`;
const POOL_MAX = 10;
const CLIENTS = 100;
const RECOVERY_MS = 2_000;

describe('chaos: database connections killed mid-load', () => {
  const keys = demoKeys();
  let demo: DemoProcess | undefined;
  let load: LoadRun | undefined;

  afterEach(async () => {
    // A failed assertion must not leave the clients running until their own deadline.
    await load?.stop();
    load = undefined;
    await stopDemo(demo);
    demo = undefined;
  }, 30_000);

  afterAll(async () => {
    await adminQuery(`DROP TABLE IF EXISTS ${TABLE}`);
  }, 30_000);

  it('stays up, fails only the queries in flight, and is back to 100 % within 2 s of each kill', async () => {
    demo = await startDemo({
      ...keys.env,
      DATABASE_URL: databaseUrl(),
      PG_APPLICATION_NAME: APP,
      ITEMS_TABLE: TABLE,
      DB_POOL_MAX: String(POOL_MAX),
    });
    await adminQuery(`INSERT INTO ${TABLE} (name) SELECT 'item ' || g FROM generate_series(1, 20) g`);
    const items = await call(`${demo.url}/items?limit=5`, { headers: withKey(keys.reader) });
    expect(items.status).toBe(200);
    expect(JSON.parse(items.body)).toHaveLength(5);

    load = startLoad({
      url: `${demo.url}/items?limit=5`,
      concurrency: CLIENTS,
      maxDurationMs: 30_000,
      headers: withKey(keys.reader),
    });
    const started = performance.now();
    const now = (): number => performance.now() - started;
    const kills: { from: number; at: number; killed: number }[] = [];
    // Each step waits from the end of the previous kill: a slow admin connection must not eat the
    // recovery window of the next one.
    for (const wait of [1_500, RECOVERY_MS + 2_000]) {
      await sleep(wait - (now() - (kills.at(-1)?.at ?? 0)));
      const from = now();
      const killed = await terminateBackends(APP);
      // The kill is certain once the call returns: recovery is measured from there.
      kills.push({ from, at: now(), killed });
    }
    await sleep(RECOVERY_MS + 2_000);
    const outcomes = await load.stop();
    expect(demo.alive()).toBe(true);

    const ok = (o: Outcome): boolean => o.status !== undefined && o.status >= 200 && o.status < 300;
    const failures = outcomes.filter((o) => !ok(o));
    // A failure belongs to the last kill that started before it ended.
    const windows = kills.map((kill, i) => {
      const next = kills[i + 1]?.from ?? Infinity;
      const failed = failures.filter((o) => o.endedAt >= kill.from && o.endedAt < next);
      return {
        killed: kill.killed,
        failed: failed.length,
        lastFailureMs: failed.length ? Math.max(...failed.map((o) => o.endedAt)) - kill.at : 0,
        // Sent 2 s after this kill and finished before the next one began.
        afterRecovery: outcomes.filter((o) => o.sentAt >= kill.at + RECOVERY_MS && o.endedAt < next),
      };
    });
    const seconds = Math.max(...outcomes.map((o) => o.endedAt)) / 1_000;
    console.log(
      `db-kill: ${outcomes.length} requests in ${seconds.toFixed(1)} s (${(outcomes.length / seconds).toFixed(0)}/s), ` +
        `${CLIENTS} clients, pool max ${POOL_MAX}; ` +
        windows
          .map(
            (w, i) =>
              `kill ${i + 1}: ${w.killed} backends, ${w.failed} failed, last failure +${w.lastFailureMs.toFixed(0)} ms`,
          )
          .join('; ') +
        `; outcomes ${JSON.stringify(tally(outcomes))}`,
    );

    // The faults were real: each kill found the demo's connections.
    for (const w of windows) {
      expect(w.killed).toBeGreaterThan(0);
      expect(w.killed).toBeLessThanOrEqual(POOL_MAX);
    }
    expect(failures.filter((o) => o.endedAt < kills[0]!.from)).toEqual([]);
    // Every request got an answer (no reset socket, no hang); failures are clean 503s.
    expect(outcomes.every((o) => o.status !== undefined)).toBe(true);
    expect(failures.every((o) => o.status === 503)).toBe(true);
    // A killed connection fails at most the one query it carried: never more failures than backends killed.
    for (const w of windows) expect(w.failed).toBeLessThanOrEqual(w.killed);
    // Back to 100 % within 2 s of each kill, and there was traffic to prove it.
    for (const w of windows) {
      expect(w.afterRecovery.length).toBeGreaterThan(0);
      expect(w.afterRecovery.filter((o) => !ok(o))).toEqual([]);
    }

    demo.child.kill('SIGTERM');
    expect((await demo.exited).code).toBe(0);
    await waitUntil('no backend left', async () => (await countBackends(APP)) === 0, 5_000);
  }, 60_000);
});
