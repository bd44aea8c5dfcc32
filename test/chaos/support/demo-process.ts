import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** The built demo (`npm run build`) started as its own process, the way production runs it. */
export interface DemoProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process is still running. */
  alive(): boolean;
}

const root = resolve(import.meta.dirname, '../../..');
const entry = resolve(root, 'dist/apps/demo/src/main.js');

/** `undefined` in `env` removes the variable (e.g. one the machine running the suite has set). */
function spawnDemo(env: Record<string, string | undefined>) {
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    NO_COLOR: '1',
    // A short shutdown delay by default: the suites only wait for it where it is the subject.
    STEWARD_SHUTDOWN_DELAY_MS: '200',
    ...env,
  };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, [entry], { cwd: root, env: merged, stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  // 'close' comes after 'exit' once the pipes are drained: nothing the process wrote is lost.
  const closed = once(child, 'close').then(() => undefined);
  return { child, exited, closed, output: () => text };
}

/** Starts the demo on a free port and waits for its start-up line; kills it if it does not come up. */
export async function startDemo(
  env: Record<string, string> = {},
  startTimeoutMs = 30_000,
): Promise<DemoProcess> {
  const { child, exited, output } = spawnDemo(env);
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not start within ${startTimeoutMs} ms:\n${output()}`));
    }, startTimeoutMs);
    const onData = (): void => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output());
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolveUrl(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`demo exited before listening (code ${code}, signal ${signal}):\n${output()}`));
    });
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return { child, url, output, exited, alive };
}

/** Runs the demo expecting it to refuse to start: resolves with its exit and output (SIGKILL after `timeoutMs`). */
export async function runDemoToExit(
  env: Record<string, string | undefined>,
  timeoutMs = 20_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string; listened: boolean }> {
  const { child, exited, closed, output } = spawnDemo(env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // A demo that starts anyway has accepted the setting: stop it at once rather than at the timeout.
  const onData = (): void => {
    if (/listening on http/.test(output())) child.kill('SIGKILL');
  };
  child.stdout.on('data', onData);
  const exit = await exited;
  child.stdout.off('data', onData);
  clearTimeout(timer);
  await closed;
  return { ...exit, output: output(), listened: /listening on http/.test(output()) };
}

/**
 * Pids of every live descendant of `pid` (children of children too), read from /proc; the lifeline
 * watchdogs the service keeps beside each managed process (and their own children) are left out.
 */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 (ppid) comes after the command name, which is in parentheses and may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(name));
      parents.set(ppid, list);
    } catch {
      // The process ended while we read.
    }
  }
  const found: number[] = [];
  const visit = (p: number): void => {
    for (const child of parents.get(p) ?? []) {
      if (isLifeline(child)) continue;
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

/** The watchdog `@steward/lifecycle` starts for each managed process: `/bin/sh -c … steward-lifeline`. */
function isLifeline(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('steward-lifeline');
  } catch {
    return false;
  }
}

/** Whether a pid is still running (a zombie counts as gone). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Ends a demo that is still running (SIGKILL) along with the worker processes it started, which live
 * in their own process groups and would otherwise outlive it. Safe to call twice.
 */
export async function stopDemo(demo: DemoProcess | undefined): Promise<void> {
  if (!demo) return;
  const pid = demo.child.pid;
  const workers = pid !== undefined && demo.alive() ? descendants(pid) : [];
  if (demo.alive()) demo.child.kill('SIGKILL');
  await demo.exited;
  for (const worker of workers) {
    try {
      process.kill(worker, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
