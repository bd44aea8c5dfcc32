import { connect } from 'node:net';
import { demoKeys, withKey } from './support/access.js';
import { descendants, pidAlive, startDemo, stopDemo, type DemoProcess } from './support/demo-process.js';
import { call, sleep, waitUntil } from './support/http.js';
import { startLoad, tally, type LoadRun } from './support/load.js';
import { adminQuery, countBackends, databaseUrl } from './support/postgres.js';

// Scenario 1: SIGTERM while 200 keep-alive clients hammer the items API on PostgreSQL. Readiness turns
// 503 at once, the service keeps serving for the delay, then stops accepting connections, finishes what
// it accepted with 2xx, and exits 0 inside the deadline with no PostgreSQL connection left behind.
const APP = `steward-chaos-shutdown-${process.pid}`;
const TABLE = `chaos_shutdown_${process.pid}`;
const CLIENTS = 200;
const DELAY_MS = 2_000;
const DEADLINE_MS = 10_000;
const DRAIN_TIMEOUT_MS = 5_000;
// How late a signal may be noticed, and a probe be answered, on a slow shared machine.
const SIGNAL_SLACK_MS = 300;

/** Whether a new TCP connection to `port` is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('chaos: shutdown under load', () => {
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

  it('turns unready at once, serves through the delay, finishes accepted requests with 2xx and exits 0 in time', async () => {
    demo = await startDemo({
      ...keys.env,
      DATABASE_URL: databaseUrl(),
      PG_APPLICATION_NAME: APP,
      ITEMS_TABLE: TABLE,
      STEWARD_SHUTDOWN_DELAY_MS: String(DELAY_MS),
      STEWARD_SHUTDOWN_DEADLINE_MS: String(DEADLINE_MS),
      STEWARD_DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS),
      STEWARD_STOP_TIMEOUT_MS: '2000',
    });
    const port = Number(new URL(demo.url).port);
    await adminQuery(`INSERT INTO ${TABLE} (name) SELECT 'item ' || g FROM generate_series(1, 20) g`);
    expect((await call(`${demo.url}/health/ready`)).status).toBe(200);
    const workers = descendants(demo.child.pid!);

    load = startLoad({
      url: `${demo.url}/items?limit=5`,
      concurrency: CLIENTS,
      maxDurationMs: 30_000,
      headers: withKey(keys.reader),
      pauseOnErrorMs: 50,
    });
    const started = performance.now();
    await sleep(2_000);
    const signalAt = performance.now() - started;
    demo.child.kill('SIGTERM');
    const exited = demo.exited.then((exit) => ({ ...exit, at: performance.now() - started }));

    // Probes on fresh connections every 100 ms until the process is gone.
    const probes: { at: number; status?: number; accepted: boolean }[] = [];
    let gone = false;
    void exited.then(() => (gone = true));
    while (!gone) {
      const at = performance.now() - started;
      const [status, accepted] = await Promise.all([
        call(`${demo.url}/health/ready`, { timeoutMs: 5_000 }).then(
          (r) => r.status,
          () => undefined,
        ),
        accepts(port),
      ]);
      probes.push({ at, status, accepted });
      await sleep(100);
    }
    const exit = await exited;
    const outcomes = await load.stop();

    const ok = (status?: number): boolean => status !== undefined && status >= 200 && status < 300;
    const beforeSignal = outcomes.filter((o) => o.sentAt < signalAt);
    const inDelay = outcomes.filter(
      (o) => o.sentAt >= signalAt && o.sentAt < signalAt + DELAY_MS - SIGNAL_SLACK_MS,
    );
    const answered = outcomes.filter((o) => o.status !== undefined);
    const errors = outcomes.filter((o) => o.error !== undefined);
    const lastServed = Math.max(...answered.map((o) => o.endedAt));
    const firstRefused = probes.find((p) => p.at >= signalAt && !p.accepted)?.at;
    console.log(
      `shutdown: ${outcomes.length} requests, ${CLIENTS} clients; ${inDelay.length} sent during the ${DELAY_MS} ms delay; ` +
        `last response +${(lastServed - signalAt).toFixed(0)} ms after SIGTERM; new connections refused from ` +
        `+${firstRefused === undefined ? '?' : (firstRefused - signalAt).toFixed(0)} ms; exit ${exit.code} at ` +
        `+${(exit.at - signalAt).toFixed(0)} ms (deadline ${DEADLINE_MS}); outcomes ${JSON.stringify(tally(outcomes))}`,
    );

    // The process exits 0, after the delay and inside the deadline.
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalAt).toBeGreaterThanOrEqual(DELAY_MS - SIGNAL_SLACK_MS);
    expect(exit.at - signalAt).toBeLessThan(DEADLINE_MS + 1_000);
    // The HTTP drain ended by itself, before its timeout would have force-closed busy sockets.
    expect(exit.at - signalAt).toBeLessThan(DELAY_MS + DRAIN_TIMEOUT_MS);

    // Readiness is 503 from the signal on; liveness of the listener lasts the delay.
    expect(probes.filter((p) => p.at < signalAt).every((p) => p.status === 200)).toBe(true);
    const afterSignal = probes.filter((p) => p.at >= signalAt + SIGNAL_SLACK_MS);
    // At least one probe sent after the signal was answered, and with 503 (on a busy machine a probe can
    // take most of the delay to be answered, so the first one may fall inside the slack).
    expect(probes.filter((p) => p.at >= signalAt && p.status === 503).length).toBeGreaterThan(0);
    expect(afterSignal.filter((p) => p.status !== undefined && p.status !== 503)).toEqual([]);
    const duringDelay = probes.filter(
      (p) => p.at >= signalAt && p.at < signalAt + DELAY_MS - SIGNAL_SLACK_MS,
    );
    expect(duringDelay.every((p) => p.accepted)).toBe(true);
    // After the delay no new connection is accepted (2 s of slack for a late timer on a busy machine),
    // and once the listener has closed it stays closed.
    const afterDelay = probes.filter((p) => p.at >= signalAt + DELAY_MS + 2_000);
    expect(afterDelay.filter((p) => p.accepted)).toEqual([]);
    const lateProbes = probes.filter((p) => firstRefused !== undefined && p.at >= firstRefused);
    expect(lateProbes.filter((p) => p.accepted)).toEqual([]);

    // Every response was a 2xx: before the signal, during the delay and while draining.
    expect(beforeSignal.length).toBeGreaterThan(0);
    expect(inDelay.length).toBeGreaterThan(0);
    expect(answered.filter((o) => !ok(o.status))).toEqual([]);
    // Requests fail only at the connection level once the listener is closed: refused, or a kept-alive
    // socket closed by the server just as the client reused it (the server never read that request).
    expect(errors.filter((o) => o.sentAt < signalAt + DELAY_MS - SIGNAL_SLACK_MS)).toEqual([]);
    expect(errors.filter((o) => o.error === 'TIMEOUT')).toEqual([]);
    // A fresh connection may also be reset when it was still in the kernel's backlog as the listener closed.
    const listenerClosing = (firstRefused ?? Infinity) - 500;
    expect(
      errors.filter((o) => o.error !== 'ECONNREFUSED' && !o.reused && o.sentAt < listenerClosing),
    ).toEqual([]);
    expect(errors.filter((o) => !['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(o.error!))).toEqual([]);
    // Each kept-alive socket can lose that race once at most.
    expect(errors.filter((o) => o.reused).length).toBeLessThanOrEqual(CLIENTS);

    // Nothing left behind: worker processes and PostgreSQL backends.
    expect(workers.filter(pidAlive)).toEqual([]);
    await waitUntil('no backend left', async () => (await countBackends(APP)) === 0, 5_000);
  }, 60_000);
});
