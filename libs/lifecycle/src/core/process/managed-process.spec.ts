import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import type { LifecycleState } from '../state/lifecycle.state.js';
import { ManagedProcess, type RestartEvent } from './managed-process.js';
import { ProcessCrashLoopError, ProcessSpawnError, ProcessStartError } from './process.errors.js';
import { groupMembers } from './process-group.js';
import { spawnMark } from './testing/spawn-mark.js';

// Real child processes: each test keeps its children short-lived and checks /proc for survivors.
const NODE = process.execPath;
const SH = '/bin/sh';

/** Whether a pid is a live (non-zombie) process. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2)[0]!);
  } catch {
    return false;
  }
}

/** Resolves when the process reaches `state`. */
function reach(proc: ManagedProcess, state: LifecycleState): Promise<void> {
  return new Promise((resolve) => {
    if (proc.state === state) return resolve();
    const off = proc.onTransition((e) => {
      if (e.to !== state) return;
      off();
      resolve();
    });
  });
}

/** Polls `condition` on real time (bounded by the test timeout) for things only the OS decides. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

const { env: spawnEnv, killMarked } = spawnMark('steward-spec');

const running: ManagedProcess[] = [];
function managed(options: ConstructorParameters<typeof ManagedProcess>[0]): ManagedProcess {
  const proc = new ManagedProcess({
    ...options,
    env: { ...process.env, ...options.env, ...spawnEnv },
  });
  running.push(proc);
  return proc;
}

afterEach(async () => {
  jest.useRealTimers();
  // stop() first: no restart may follow the kills; the kills do not rely on the stop working.
  const stops = running.splice(0).map((p) => p.stop(AbortSignal.abort()));
  killMarked();
  await Promise.allSettled(stops);
  killMarked();
});

describe('ManagedProcess', () => {
  it('item 12: a child ignoring SIGTERM is SIGKILLed after killTimeoutMs, stopped and marked forced', async () => {
    const proc = managed({
      name: 'stubborn',
      command: NODE,
      args: ['-e', "process.on('SIGTERM', () => {}); process.send('ready'); setInterval(() => {}, 1000);"],
      readiness: { type: 'ipc' },
      killTimeoutMs: 300,
    });
    await proc.start();
    expect(proc.state).toBe('ready');
    const pid = proc.pid!;
    expect(alive(pid)).toBe(true);
    const result = await proc.stopResult();
    expect(result.forced).toBe(true);
    expect(result.exit).toEqual({ kind: 'signal', code: null, signal: 'SIGKILL' });
    expect(proc.state).toBe('stopped');
    expect(alive(pid)).toBe(false);
  });

  it('a child that exits on SIGTERM stops cleanly, not forced', async () => {
    const proc = managed({
      name: 'polite',
      command: SH,
      args: ['-c', 'echo ready; exec sleep 30'],
      readiness: { type: 'stdout', match: 'ready' },
    });
    await proc.start();
    const pid = proc.pid!;
    const result = await proc.stopResult();
    expect(result).toEqual({
      forced: false,
      exit: { kind: 'clean', code: null, signal: 'SIGTERM' },
      signalled: [pid],
      killed: [],
    });
    expect(proc.state).toBe('stopped');
  });

  it('issue 12 finding 6: a grandchild that left the group with setsid, reparented, is found, killed and reported', async () => {
    // The subshell starts the escapee in a new session and exits at once: the escapee is reparented
    // and outside the process group before stop() looks. It ignores SIGTERM.
    const script = [
      `(setsid sh -c 'trap "" TERM; echo "escapee $$"; exec sleep 300' &)`,
      'sleep 0.2',
      'echo ready',
      'exec sleep 300',
    ].join('\n');
    const proc = managed({
      name: 'escaping',
      command: SH,
      args: ['-c', script],
      readiness: { type: 'stdout', match: 'ready' },
      killTimeoutMs: 300,
      closeTimeoutMs: 200,
    });
    await proc.start();
    const pgid = proc.pid!;
    const escapee = Number(/escapee (\d+)/.exec(proc.output().stdout)?.[1]);
    expect(alive(escapee)).toBe(true);
    expect(groupMembers(pgid)).not.toContain(escapee);

    const result = await proc.stopResult();
    expect(alive(escapee)).toBe(false);
    expect(result.forced).toBe(true);
    expect(result.killed).toEqual([escapee]);
    expect([...(result.signalled ?? [])].sort()).toEqual([pgid, escapee].sort());
    expect(result.exit).toEqual({ kind: 'clean', code: null, signal: 'SIGTERM' });
  });

  it('item 13: grandchildren spawned through a shell do not survive stop', async () => {
    const script = [
      'sleep 30 & echo "gc $!"',
      // This one ignores SIGTERM: only the SIGKILL to the group ends it.
      '(trap "" TERM; exec sleep 30) & echo "gc $!"',
      'echo ready',
      'wait',
    ].join('\n');
    const proc = managed({
      name: 'shell',
      command: SH,
      args: ['-c', script],
      readiness: { type: 'stdout', match: 'ready' },
      killTimeoutMs: 300,
      closeTimeoutMs: 200,
    });
    await proc.start();
    const pgid = proc.pid!;
    const grandchildren = [...proc.output().stdout.matchAll(/gc (\d+)/g)].map((m) => Number(m[1]));
    expect(grandchildren).toHaveLength(2);
    expect(grandchildren.every(alive)).toBe(true);
    expect(groupMembers(pgid).sort()).toEqual([pgid, ...grandchildren].sort());

    const result = await proc.stopResult();
    expect(result.forced).toBe(true);
    expect(proc.state).toBe('stopped');
    expect(grandchildren.filter(alive)).toEqual([]);
    expect(alive(pgid)).toBe(false);
    expect(groupMembers(pgid)).toEqual([]);
  });

  it('item 14: a child flooding stdout never blocks and its buffer stays bounded', async () => {
    const proc = managed({ name: 'flood', command: 'yes', args: ['steward'], outputLimitBytes: 4_096 });
    await proc.start();
    // `yes` writes as fast as we read: megabytes pass through while we hold at most the limit.
    await until(() => proc.output().stdoutBytes > 4 * 1024 * 1024);
    const output = proc.output();
    expect(output.heldBytes).toBeLessThanOrEqual(4_096);
    expect(output.stdout.length).toBeLessThanOrEqual(4_096);
    expect(output.stdout).toMatch(/^(?:.*\n)?(steward\n)+(s(t(e(w(a(rd?)?)?)?)?)?)?$/s);
    const result = await proc.stopResult();
    expect(result.forced).toBe(false);
    expect(proc.state).toBe('stopped');
  });

  it('item 15: a crash loop backs off with growing jittered delays, then fails and stays down', async () => {
    const draws = [0.5, 0.9, 0.25];
    const proc = managed({
      name: 'crasher',
      command: SH,
      args: ['-c', 'exit 3'],
      restart: 'on-failure',
      backoff: { baseMs: 8, maxMs: 1_000 },
      random: () => draws.shift() ?? 0,
      crashLoop: { maxRestarts: 3, windowMs: 60_000 },
    });
    const restarts: RestartEvent[] = [];
    proc.onRestart((e) => restarts.push(e));
    const failedAt = new Promise<unknown>((resolve) =>
      proc.onTransition((e) => e.to === 'failed' && resolve(e.error)),
    );
    await proc.start();
    const error = (await failedAt) as ProcessCrashLoopError;

    // Ceilings 8, 16, 32 with full jitter: floor(draw × ceiling).
    expect(restarts.map((r) => [r.attempt, r.delayMs])).toEqual([
      [0, 4],
      [1, 14],
      [2, 8],
    ]);
    expect(restarts.every((r) => r.exit.kind === 'exit-code' && r.exit.code === 3)).toBe(true);
    expect(error).toBeInstanceOf(ProcessCrashLoopError);
    expect(error.code).toBe('PROCESS_CRASH_LOOP');
    expect(proc.state).toBe('failed');
    expect(proc.restarts).toBe(3);
    expect(proc.spawns).toBe(4);
    await new Promise((r) => setTimeout(r, 100));
    expect(proc.spawns).toBe(4);
  });

  it('item 15: restarts from the base delay again after a stable uptime', async () => {
    let now = 0;
    let readies = 0;
    const proc = managed({
      name: 'flaky',
      command: SH,
      args: ['-c', 'exit 1'],
      backoff: { baseMs: 8, maxMs: 1_000 },
      random: () => 0.5,
      stableAfterMs: 1_000,
      crashLoop: { maxRestarts: 3, windowMs: 60_000 },
      clock: { now: () => now },
    });
    // The third run "stays up" for 5 s of the injected clock before it crashes.
    proc.onTransition((e) => {
      if (e.to === 'ready' && ++readies === 3) now += 5_000;
    });
    const restarts: RestartEvent[] = [];
    proc.onRestart((e) => restarts.push(e));
    const failed = reach(proc, 'failed');
    await proc.start();
    await failed;
    expect(restarts.map((r) => r.attempt)).toEqual([0, 1, 0]);
    expect(restarts.map((r) => r.delayMs)).toEqual([4, 8, 4]);
  });

  it('item 15: stop() during backoff cancels the pending restart', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const proc = managed({
      name: 'waiting',
      command: SH,
      args: ['-c', 'exit 1'],
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      random: () => 0.5,
    });
    const inBackoff = reach(proc, 'backoff');
    await proc.start();
    await inBackoff;
    expect(jest.getTimerCount()).toBeGreaterThan(0);
    await proc.stop();
    expect(proc.state).toBe('stopped');
    await jest.advanceTimersByTimeAsync(120_000);
    expect(proc.spawns).toBe(1);
    expect(proc.restarts).toBe(0);
    expect(proc.state).toBe('stopped');
  });

  it('item 16: a missing binary fails once, with no restart storm and no unhandled error', async () => {
    const proc = managed({
      name: 'ghost',
      command: '/nonexistent/steward-missing-binary',
      restart: 'always',
    });
    const error = await proc.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProcessSpawnError);
    expect((error as ProcessSpawnError).code).toBe('PROCESS_SPAWN_FAILED');
    expect((error as Error).message).toContain('ENOENT');
    expect(proc.state).toBe('failed');
    await new Promise((r) => setTimeout(r, 100));
    expect(proc.spawns).toBe(1);
    expect(proc.restarts).toBe(0);
  });

  it('a spawn error never carries the arguments (they may hold secrets), not even in its cause', async () => {
    const secret = 'db-password-Zq81vXk2';
    const proc = managed({
      name: 'ghost-with-args',
      command: '/nonexistent/steward-missing-binary',
      args: [`--password=${secret}`],
    });
    const error = await proc.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProcessSpawnError);
    expect((error as ProcessSpawnError).cause).toMatchObject({ code: 'ENOENT' });
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
  });

  it('a start past its timeout kills the group and fails naming the process', async () => {
    const proc = managed({
      name: 'mute',
      command: SH,
      args: ['-c', 'exec sleep 30'],
      readiness: { type: 'stdout', match: 'never printed' },
      startTimeoutMs: 200,
    });
    const transitions: string[] = [];
    proc.onTransition((e) => transitions.push(e.to));
    const error = (await proc.start().catch((e: unknown) => e)) as ProcessStartError;
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error.code).toBe('PROCESS_START_TIMEOUT');
    expect(error.message).toContain("'mute'");
    expect(proc.state).toBe('failed');
    expect(transitions).toEqual(['starting', 'failed']);
    expect(proc.pid).toBeUndefined();
  });

  it('stop() or a shutdown signal during start cancels it and kills the child', async () => {
    const options = {
      command: SH,
      args: ['-c', 'exec sleep 30'],
      readiness: { type: 'stdout' as const, match: 'never printed' },
    };
    const byStop = managed({ name: 'by-stop', ...options });
    const started = byStop.start().catch((e: unknown) => e);
    const pid = byStop.pid!;
    await byStop.stop();
    expect(await started).toMatchObject({ code: 'LIFECYCLE_START_ABORTED' });
    expect(byStop.state).toBe('stopped');
    expect(alive(pid)).toBe(false);

    const shutdown = new AbortController();
    const bySignal = managed({ name: 'by-signal', ...options });
    const aborted = bySignal.start(shutdown.signal).catch((e: unknown) => e);
    const pid2 = bySignal.pid!;
    const reason = new Error('SIGTERM');
    shutdown.abort(reason);
    expect(await aborted).toBe(reason);
    expect(bySignal.state).toBe('stopped');
    expect(alive(pid2)).toBe(false);
  });

  it('stop() while a signal-aborted start is still killing the child joins that stop', async () => {
    const proc = managed({
      name: 'aborted-then-stopped',
      command: NODE,
      args: [
        '-e',
        "process.on('SIGTERM', () => {}); process.stderr.write('armed'); setInterval(() => {}, 1000);",
      ],
      readiness: { type: 'stdout', match: 'never printed' },
      killTimeoutMs: 300,
    });
    const shutdown = new AbortController();
    const started = proc.start(shutdown.signal).catch((e: unknown) => e);
    const pid = proc.pid!;
    // Only once SIGTERM is ignored does the start's own stop last long enough to be joined.
    await until(() => proc.output().stderr.includes('armed'));
    shutdown.abort(new Error('SIGTERM'));
    await reach(proc, 'stopping');
    await expect(proc.stop()).resolves.toBeUndefined();
    expect(proc.state).toBe('stopped');
    expect(alive(pid)).toBe(false);
    expect(await started).toMatchObject({ message: 'SIGTERM' });
  });

  it('an exit before readiness fails the start with its exit code', async () => {
    const proc = managed({
      name: 'early',
      command: SH,
      args: ['-c', 'exit 2'],
      readiness: { type: 'stdout', match: 'ready' },
    });
    const error = (await proc.start().catch((e: unknown) => e)) as ProcessStartError;
    expect(error.code).toBe('PROCESS_START_FAILED');
    expect(error.exit).toEqual({ kind: 'exit-code', code: 2, signal: null });
    expect(proc.state).toBe('failed');
  });

  it('becomes ready when its port accepts connections', async () => {
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
    );
    await new Promise((r) => probe.close(r));
    const proc = managed({
      name: 'server',
      command: NODE,
      args: ['-e', `setTimeout(() => require('net').createServer().listen(${port}, '127.0.0.1'), 100)`],
      readiness: { type: 'port', port, intervalMs: 20 },
    });
    const states: string[] = [];
    proc.onTransition((e) => states.push(e.to));
    await proc.start();
    expect(states).toEqual(['starting', 'ready']);
    await proc.stop();
    expect(proc.state).toBe('stopped');
  });

  it('restarts with policy always after a clean exit and not with on-failure', async () => {
    const always = managed({
      name: 'a',
      command: SH,
      args: ['-c', 'exit 0'],
      restart: 'always',
      backoff: { baseMs: 1, maxMs: 1 },
      crashLoop: { maxRestarts: 1, windowMs: 60_000 },
    });
    const onFailure = managed({ name: 'b', command: SH, args: ['-c', 'exit 0'], restart: 'on-failure' });
    const alwaysFailed = reach(always, 'failed');
    const onFailureStopped = new Promise<void>((resolve) =>
      onFailure.onTransition((e) => e.from === 'ready' && e.to === 'stopped' && resolve()),
    );
    await Promise.all([always.start(), onFailure.start()]);
    await Promise.all([alwaysFailed, onFailureStopped]);
    expect(always.restarts).toBe(1);
    expect(onFailure.restarts).toBe(0);
    expect(onFailure.lastExit?.kind).toBe('clean');
  });

  it('rejects bad options all at once', () => {
    expect(
      () => new ManagedProcess({ name: 'x', command: '', killTimeoutMs: -1, restart: 'sometimes' as never }),
    ).toThrow(/command: is required[\s\S]*killTimeoutMs[\s\S]*restart/);
  });
});
