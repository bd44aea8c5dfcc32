import { demoKeys, withKey } from './support/access.js';
import { descendants, pidAlive, startDemo, stopDemo, type DemoProcess } from './support/demo-process.js';
import { call, metricValue, sleep, STACK_TRACE, waitUntil, type Reply } from './support/http.js';

// Scenario 5: a worker process of the hash pool is SIGKILLed while requests run on it. The request on
// that worker fails cleanly (a problem+json 5xx, no hang, no reset), the pool replaces the worker, later
// requests succeed, and the crash is visible in /metrics.
const WORKERS = 2;
const CLIENTS = 6;

describe('chaos: worker crash', () => {
  const keys = demoKeys();
  let demo: DemoProcess | undefined;

  afterEach(async () => {
    await stopDemo(demo);
    demo = undefined;
  }, 30_000);

  it('fails only the request on the killed worker, replaces the worker and records the crash', async () => {
    demo = await startDemo({ ...keys.env, HASH_WORKERS: String(WORKERS) });
    const url = demo.url;
    const pid = demo.child.pid!;
    const hash = (): Promise<Reply> =>
      call(`${url}/hash`, {
        method: 'POST',
        headers: withKey(keys.admin),
        body: JSON.stringify({ password: 'correct horse battery staple' }),
        timeoutMs: 20_000,
      });
    const crashSeries = async (): Promise<number> => {
      const reply = await call(`${url}/metrics`, { headers: withKey(keys.metrics) });
      expect(reply.status).toBe(200);
      return (
        metricValue(reply.body, 'steward_process_restarts_total') +
        metricValue(reply.body, 'steward_pool_destroyed_total', { pool: 'hash' })
      );
    };
    const first = await hash();
    expect([first.status, first.body.slice(0, 200)]).toEqual([200, expect.stringContaining('hash')]);
    // Clients hashing back to back; one worker is killed while they run.
    let stopping = false;
    const replies: { at: number; reply?: Reply; error?: string }[] = [];
    const started = performance.now();
    const client = async (): Promise<void> => {
      while (!stopping) {
        const at = performance.now() - started;
        try {
          replies.push({ at, reply: await hash() });
        } catch (error) {
          replies.push({ at, error: (error as NodeJS.ErrnoException).code ?? String(error) });
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    let workersBefore: number[] = [];
    let crashesBefore = 0;
    let victim = 0;
    let killedAt = 0;
    let replacedMs = 0;
    try {
      // Workers start on demand (min 0): the clients bring up all of them.
      await waitUntil('the hash workers to start', () => descendants(pid).length >= WORKERS, 15_000);
      workersBefore = descendants(pid);
      crashesBefore = await crashSeries();

      await sleep(1_000);
      victim = workersBefore[0]!;
      process.kill(victim, 'SIGKILL');
      killedAt = performance.now() - started;
      replacedMs = await waitUntil(
        'a replacement worker',
        () => {
          const now = descendants(pid);
          return !now.includes(victim) && now.length >= WORKERS;
        },
        15_000,
        50,
      );
      // Long enough for later requests to start and finish on the replaced pool, even on a busy machine.
      await sleep(2_500);
    } finally {
      // The clients stop whatever happened above: nothing keeps running after the test.
      stopping = true;
      await Promise.all(clients);
    }

    const failures = replies.filter((r) => r.reply?.status !== 200);
    const afterReplacement = replies.filter((r) => r.at > killedAt + replacedMs + 200);
    const crashesAfter = await crashSeries();
    console.log(
      `worker-crash: ${replies.length} hashes, ${CLIENTS} clients, ${WORKERS} workers; killed pid ${victim} at ` +
        `+${killedAt.toFixed(0)} ms; replaced in ${replacedMs.toFixed(0)} ms; ${failures.length} failed ` +
        `(${failures.map((f) => f.reply?.status ?? f.error).join(',') || '-'}); crash series ${crashesBefore} → ${crashesAfter}`,
    );

    expect(demo.alive()).toBe(true);
    expect(pidAlive(victim)).toBe(false);
    // Only the request that was on the killed worker may fail, and it fails with a clean answer.
    expect(failures.length).toBeLessThanOrEqual(1);
    for (const { reply, error } of failures) {
      expect(error).toBeUndefined();
      expect(reply!.status).toBeGreaterThanOrEqual(500);
      expect(reply!.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(reply!.body).not.toMatch(STACK_TRACE);
    }
    // The pool is whole again and serves.
    expect(afterReplacement.length).toBeGreaterThan(0);
    expect(afterReplacement.filter((r) => r.reply?.status !== 200)).toEqual([]);
    expect((await hash()).status).toBe(200);
    expect(crashesAfter).toBeGreaterThan(crashesBefore);

    const workers = descendants(pid);
    demo.child.kill('SIGTERM');
    expect((await demo.exited).code).toBe(0);
    expect(workers.filter(pidAlive)).toEqual([]);
  }, 60_000);
});
