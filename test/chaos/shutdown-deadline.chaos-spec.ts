import { demoKeys, withKey } from './support/access.js';
import { startDemo, stopDemo, type DemoProcess } from './support/demo-process.js';
import { call } from './support/http.js';
import { adminQuery, databaseUrl } from './support/postgres.js';

// Issue 12 finding 1 on the demo: with a db lease held far past the shutdown budget, the pool is a unit
// of the lifecycle, so it is cut at STEWARD_STOP_TIMEOUT_MS (not at its own 10 s drain), every unit's
// stop runs, one line names what timed out, and the process exits 1 right after the budget.
const TABLE = `chaos_deadline_${process.pid}`;
const DELAY_MS = 200;
const DRAIN_MS = 1_000;
const STOP_MS = 2_000;

describe('chaos: shutdown deadline with a lease held', () => {
  const keys = demoKeys();
  let demo: DemoProcess | undefined;

  afterEach(async () => {
    await stopDemo(demo);
    demo = undefined;
    await adminQuery(`DROP TABLE IF EXISTS ${TABLE}`);
  }, 30_000);

  it('issue 12 finding 1: a db lease held for 20 s is cut at the stop timeout; exit 1 names the pool unit', async () => {
    demo = await startDemo({
      ...keys.env,
      DATABASE_URL: databaseUrl(),
      ITEMS_TABLE: TABLE,
      STEWARD_SHUTDOWN_DELAY_MS: String(DELAY_MS),
      STEWARD_DRAIN_TIMEOUT_MS: String(DRAIN_MS),
      STEWARD_STOP_TIMEOUT_MS: String(STOP_MS),
      STEWARD_SHUTDOWN_DEADLINE_MS: '25000',
    });
    const hold = call(`${demo.url}/admin/pools/db/hold`, {
      method: 'POST',
      headers: withKey(keys.admin),
      body: JSON.stringify({ ms: 20_000 }),
      timeoutMs: 30_000,
    }).catch((error: unknown) => error);
    // The lease is out once the pool says so.
    for (;;) {
      const stats = await call(`${demo.url}/admin/pools/db`, { headers: withKey(keys.admin) });
      if ((JSON.parse(stats.body) as { borrowed: number }).borrowed > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const began = performance.now();
    demo.child.kill('SIGTERM');
    const exit = await demo.exited;
    const ms = performance.now() - began;
    await hold;
    console.log(
      `shutdown with a 20 s lease held: delay ${DELAY_MS} + drain ${DRAIN_MS} + stop ${STOP_MS} ms; exit ${exit.code} after ${Math.round(ms)} ms`,
    );
    expect(exit).toEqual({ code: 1, signal: null });
    // Cut at the unit's stop timeout: well before the pool's own 10 s drain, let alone the lease's 20 s.
    expect(ms).toBeGreaterThanOrEqual(DELAY_MS + DRAIN_MS + STOP_MS - 100);
    expect(ms).toBeLessThan(DELAY_MS + DRAIN_MS + STOP_MS + 3_000);
    expect(demo.output()).toMatch(
      /unit 'pool:db' failed to stop: unit 'pool:db' did not stop within 2000 ms/,
    );
  }, 60_000);
});
