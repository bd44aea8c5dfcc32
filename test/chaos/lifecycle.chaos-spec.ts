import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startBlackhole, type Blackhole } from './support/blackhole.js';
import { spawnMark } from '../../libs/lifecycle/src/core/process/testing/spawn-mark.js';

// A tiny Nest app with four chained @ManagedUnit providers, run as a real child process and sent real signals.
const root = fileURLToPath(new URL('../../', import.meta.url));
const LOADER = './test/fixtures/lifecycle/register.mjs';
const APP = 'test/fixtures/lifecycle/lifecycle-app.ts';

interface App {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(pattern: RegExp): Promise<string>;
}

const { env: spawnEnv, killMarked } = spawnMark('steward-chaos');

/** Whether a pid is a live (non-zombie) process. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]!);
  } catch {
    return false;
  }
}

function startApp(env: Record<string, string>, app = APP): App {
  const child = spawn(process.execPath, ['--no-experimental-strip-types', '--import', LOADER, app], {
    cwd: root,
    env: { ...process.env, ...env, ...spawnEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = async (pattern: RegExp): Promise<string> => {
    for (;;) {
      const line = lines.find((l) => pattern.test(l));
      if (line) return line;
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`exited before ${pattern}: ${lines}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { child, lines, exited, waitFor };
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // agent: false: a fresh TCP connection for every probe.
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode!));
    });
    req.once('error', reject);
    req.end();
  });
}

let app: App | undefined;
let hole: Blackhole | undefined;

afterEach(async () => {
  if (app && app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGKILL');
    await app.exited;
  }
  app = undefined;
  await hole?.close();
  hole = undefined;
  killMarked();
});

/** Resolves once `check()` is true, polling every 20 ms. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('lifecycle in a real Nest process', () => {
  it('item 6: SIGTERM during startup stops only the started units, in reverse, and exits non-zero', async () => {
    app = startApp({ HANG_THIRD: '1' });
    await app.waitFor(/^start:third$/);
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(app.lines.filter((l) => /^(start|stop):/.test(l))).toEqual([
      'start:first',
      'start:second',
      'start:third',
      'stop:second',
      'stop:first',
    ]);
    expect(app.lines).toContain('listen-failed LIFECYCLE_START_ABORTED');
  }, 60_000);

  it('item 8: on a real SIGTERM readiness turns 503, liveness stays 200 on new connections, then units stop in reverse and it exits 0', async () => {
    // A roomy delay: on a loaded machine the probes below must still land inside it.
    app = startApp({ DELAY_MS: '4000' });
    const port = Number((await app.waitFor(/^listening \d+$/)).split(' ')[1]);
    expect(await get(port, '/health/ready')).toBe(200);
    app.child.kill('SIGTERM');
    // Signal delivery takes as long as the scheduler says: poll instead of guessing a sleep.
    while ((await get(port, '/health/ready')) !== 503) await new Promise((r) => setTimeout(r, 20));
    expect(await get(port, '/health/live')).toBe(200);
    expect(app.lines.some((l) => l.startsWith('stop:'))).toBe(false);
    const exit = await app.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(app.lines.filter((l) => l.startsWith('stop:'))).toEqual([
      'stop:fourth',
      'stop:third',
      'stop:second',
      'stop:first',
    ]);
  }, 60_000);

  it('issue 12 finding 3: a Nest hook that never settles ends at the deadline with exit 1 and a line naming it, after every unit stopped', async () => {
    app = startApp({ HANG_HOOK: '1', DEADLINE_MS: '3000' });
    await app.waitFor(/^listening \d+$/);
    const began = performance.now();
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    const ms = performance.now() - began;
    expect(exit).toEqual({ code: 1, signal: null });
    // The hard deadline, not an empty event loop, ended it.
    expect(ms).toBeGreaterThanOrEqual(2_900);
    expect(app.lines.filter((l) => l.startsWith('stop:'))).toEqual([
      'stop:fourth',
      'stop:third',
      'stop:second',
      'stop:first',
    ]);
    expect(app.lines).toContain('hook:hanger');
    expect(app.lines).toContainEqual(
      expect.stringMatching(/^error: shutdown exceeded its 3000 ms deadline.*Hanger\.onApplicationShutdown/),
    );
  }, 60_000);

  it('issue 12 finding 4: SIGTERM during pool warm-up against a database that never answers stops what started and exits 1', async () => {
    hole = await startBlackhole();
    app = startApp({ PG_PORT: String(hole.port) });
    await app.waitFor(/^create:db$/);
    await until(() => hole!.accepted > 0);
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(app.lines).not.toContainEqual(expect.stringMatching(/^listening/));
    // Exit 1 for the failed start itself, not for a missed deadline.
    expect(app.lines).toContain(
      'error: SIGTERM arrived before every unit had started: stopped what had started; exiting 1',
    );
    expect(app.lines).not.toContainEqual(expect.stringMatching(/deadline/));
    // Whatever had started stopped again, in reverse.
    const started = app.lines.filter((l) => l.startsWith('start:')).map((l) => l.slice(6));
    const stopped = app.lines.filter((l) => l.startsWith('stop:')).map((l) => l.slice(5));
    expect(stopped).toEqual([...started].reverse());
  }, 60_000);

  it('issue 12 finding 6: when the service is SIGKILLed, its managed process tree is gone within 2 s, setsid escapes included', async () => {
    app = startApp({}, 'test/fixtures/lifecycle/process-tree-app.ts');
    await app.waitFor(/^started$/);
    const pids = app.lines.flatMap((l) => {
      const match = /^(child|gc|escapee) (\d+)$/.exec(l);
      return match ? [Number(match[2])] : [];
    });
    expect(pids).toHaveLength(3);
    expect(pids.every(alive)).toBe(true);
    const killedAt = performance.now();
    app.child.kill('SIGKILL');
    await app.exited;
    await until(() => !pids.some(alive) || performance.now() - killedAt > 5_000);
    const goneMs = performance.now() - killedAt;
    expect(pids.filter(alive)).toEqual([]);
    expect(goneMs).toBeLessThan(2_000);
    process.stdout.write(`process tree gone ${Math.round(goneMs)} ms after SIGKILL of the service\n`);
  }, 60_000);
});
