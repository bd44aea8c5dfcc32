import { demoKeys, withKey } from './support/access.js';
import { startDemo, stopDemo, type DemoProcess } from './support/demo-process.js';
import { call, metricValue, waitUntil } from './support/http.js';

// Scenario 6: a route that holds a db lease longer than leakDetectionMs raises the leak event: the
// metric counts it and the log has one line with the borrower's stack (where the lease was taken).
const LEAK_MS = 300;
const HOLD_MS = 1_500;

describe('chaos: leak', () => {
  const keys = demoKeys();
  let demo: DemoProcess | undefined;

  afterEach(async () => {
    await stopDemo(demo);
    demo = undefined;
  }, 30_000);

  it('reports a lease held past leakDetectionMs in the metric and the log, with the borrower stack', async () => {
    demo = await startDemo({
      ...keys.env,
      DB_LEAK_DETECTION_MS: String(LEAK_MS),
      POOL_MAINTENANCE_MS: '100',
    });
    const leaks = async (): Promise<number> => {
      const reply = await call(`${demo!.url}/metrics`, { headers: withKey(keys.metrics) });
      expect(reply.status).toBe(200);
      return metricValue(reply.body, 'steward_pool_leaks_total', { pool: 'db' });
    };
    const before = await leaks();
    const quiet = demo.output().length;

    // A short hold is no leak: the metric must not move.
    const short = await call(`${demo.url}/admin/pools/db/hold`, {
      method: 'POST',
      headers: withKey(keys.admin),
      body: JSON.stringify({ ms: 50 }),
    });
    expect(short.status).toBe(200);
    expect(await leaks()).toBe(before);

    const hold = await call(`${demo.url}/admin/pools/db/hold`, {
      method: 'POST',
      headers: withKey(keys.admin),
      body: JSON.stringify({ ms: HOLD_MS }),
    });
    expect(hold.status).toBe(200);
    await waitUntil('the leak log line', () => /leak/i.test(demo!.output().slice(quiet)), 5_000);
    const after = await leaks();
    const log = demo.output().slice(quiet);
    const line = log.split('\n').find((l) => /leak/i.test(l)) ?? '';
    const stack = log.slice(log.indexOf(line));
    console.log(
      `leak: held ${HOLD_MS} ms with leakDetectionMs ${LEAK_MS}; steward_pool_leaks_total{pool="db"} ${before} → ${after}; ` +
        `log: ${line.trim().slice(0, 160)}`,
    );

    expect(after).toBe(before + 1);
    expect(line).toMatch(/\bdb\b/);
    // The borrower's stack points at the code that took the lease.
    expect(stack).toMatch(/at .*(demo-admin\.controller|DemoAdminController)/);
    // No credential in the log line.
    for (const secret of [keys.admin, keys.pepper]) expect(log).not.toContain(secret);
    expect(demo.alive()).toBe(true);
  }, 60_000);
});
