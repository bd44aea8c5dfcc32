import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from '@steward/pool';
import {
  processFactory,
  WorkerCrashedError,
  WorkerRequestError,
  WorkerTimeoutError,
  type WorkerProcess,
} from '@steward/pool/process';

const fixture = fileURLToPath(new URL('./pool-worker.fixture.ts', import.meta.url));

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<boolean> {
  // Ends as soon as the process is gone; the bound leaves room for SIGTERM→SIGKILL on a loaded machine.
  for (let i = 0; i < 400 && running(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !running(pid);
}

describe('processFactory (real worker processes)', () => {
  let pool: Pool<WorkerProcess>;

  beforeEach(() => {
    pool = new Pool(processFactory({ name: 'test-worker', args: [fixture], killTimeoutMs: 500 }), {
      name: 'workers',
      max: 2,
      createTimeoutMs: 10_000,
      acquireTimeoutMs: 15_000,
    });
  });

  afterEach(async () => {
    await pool.close();
  });

  it('answers requests on two separate processes and stops them all on close', async () => {
    // Two leases held at once force two workers.
    const leases = await Promise.all([pool.acquire(), pool.acquire()]);
    const results = await Promise.all(
      leases.map((lease, i) =>
        lease.resource.request<{ echo: string; pid: number }>({ op: 'echo', value: 'ab'[i] }),
      ),
    );
    for (const lease of leases) lease.release();
    expect(results.map((r) => r.echo)).toEqual(['a', 'b']);
    const pids = results.map((r) => r.pid);
    expect(new Set(pids).size).toBe(2);
    expect(pids.every(running)).toBe(true);
    await pool.close();
    for (const pid of pids) expect(await waitGone(pid)).toBe(true);
  });

  it('replaces a worker that crashes mid-request', async () => {
    const first = await pool.use((w) => w.request<{ pid: number }>({ op: 'echo', value: 1 }));
    const failure = await pool.use((w) => w.request({ op: 'crash' })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkerCrashedError);
    expect(await waitGone(first.pid)).toBe(true);
    const next = await pool.use((w) => w.request<{ pid: number }>({ op: 'echo', value: 2 }));
    expect(next.pid).not.toBe(first.pid);
    expect(pool.stats().destroyedTotal).toBe(1);
  });

  it('times out a stuck request and kills that worker', async () => {
    const first = await pool.use((w) => w.request<{ pid: number }>({ op: 'echo', value: 1 }));
    const failure = await pool
      .use((w) => w.request({ op: 'sleep' }, { timeoutMs: 100 }))
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkerTimeoutError);
    expect(await waitGone(first.pid)).toBe(true);
  });

  it('keeps a worker whose handler reported an error', async () => {
    const first = await pool.use((w) => w.request<{ pid: number }>({ op: 'echo', value: 1 }));
    await expect(pool.use((w) => w.request({ op: 'fail' }))).rejects.toBeInstanceOf(WorkerRequestError);
    const again = await pool.use((w) => w.request<{ pid: number }>({ op: 'echo', value: 2 }));
    expect(again.pid).toBe(first.pid);
    expect(pool.stats().destroyedTotal).toBe(0);
  });

  it('a worker that never becomes ready fails the create and leaves nothing running', async () => {
    const stuck = new Pool(
      processFactory({
        args: ['-e', 'setInterval(() => {}, 1000)'],
        startTimeoutMs: 300,
        killTimeoutMs: 200,
      }),
      { name: 'stuck', max: 1, acquireTimeoutMs: 1_000, createRetry: { baseMs: 5_000, maxMs: 5_000 } },
    );
    try {
      await expect(stuck.acquire()).rejects.toThrow();
      expect(stuck.stats().createErrorsTotal).toBeGreaterThanOrEqual(1);
    } finally {
      await stuck.close();
    }
  });

  it('a worker that is ready but never opens its channel fails the create; child and socket dir are removed', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'steward-process-int-'));
    const pidFile = join(scratch, 'pid');
    const tmp = join(scratch, 'tmp');
    mkdirSync(tmp);
    const savedTmp = process.env.TMPDIR;
    // os.tmpdir() follows TMPDIR: the factory's private socket directory lands where this test can see it.
    process.env.TMPDIR = tmp;
    try {
      const factory = processFactory({
        args: [
          '-e',
          "require('fs').writeFileSync(process.env.PID_FILE, String(process.pid)); console.log('steward-worker-ready'); setInterval(() => {}, 1000)",
        ],
        env: { PATH: process.env.PATH, PID_FILE: pidFile },
        killTimeoutMs: 200,
      });
      await expect(factory.create(new AbortController().signal)).rejects.toThrow();
      expect(await waitGone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('the fixture exists (guards the path above)', () => {
    expect(existsSync(fixture)).toBe(true);
  });
});
