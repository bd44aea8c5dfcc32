import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { connect } from 'node:net';
import { backoffDelay, linkAbort, OptionChecker, systemClock, type Clock } from '@steward/common';
import type { LifecycleUnit } from '../interfaces/lifecycle-unit.interface.js';
import type {
  ManagedProcessOptions,
  ProcessReadiness,
} from '../interfaces/managed-process-options.interface.js';
import { PROCESS_TRANSITIONS, type LifecycleState } from '../state/lifecycle.state.js';
import { notifyListeners } from '../state/notify-listeners.js';
import { StateMachine, type TransitionListener } from '../state/state-machine.js';
import { classifyExit, shouldRestart, type ProcessExit } from './exit-classification.js';
import { OutputBuffer } from './output-buffer.js';
import { Lifeline } from './lifeline.js';
import { killGroup } from './process-group.js';
import { newTreeToken, PROCESS_TREE_ENV, signalEach, treeMembers } from './process-tree.js';
import { StartAbortedError } from '../state/lifecycle.errors.js';
import {
  ProcessCrashLoopError,
  ProcessExitError,
  ProcessSpawnError,
  ProcessStartError,
} from './process.errors.js';

/** The outcome of a `stop()`: `forced` when anything of the process tree had to be SIGKILLed. */
export interface ProcessStopResult {
  readonly forced: boolean;
  readonly exit?: ProcessExit;
  /** Every process of the tree the stop signalled: the child, its group, descendants that left it. */
  readonly signalled?: readonly number[];
  /** The pids that ignored SIGTERM until `killTimeoutMs` (or an abort) and were SIGKILLed. */
  readonly killed?: readonly number[];
}

/** A scheduled restart, as `onRestart` listeners see it. */
export interface RestartEvent {
  readonly process: string;
  /** 0 for the first restart after a stable run, then 1, 2… */
  readonly attempt: number;
  readonly delayMs: number;
  readonly exit: ProcessExit;
}

/** One spawned child and what we know about it. */
interface Run {
  readonly child: ChildProcess;
  /** Marks every process of this run (`PROCESS_TREE_ENV`), escapes from the group included. */
  readonly token: string;
  /** Kills what the run left if the service dies abruptly; ended when the run is stopped. */
  lifeline?: Lifeline;
  /** Resolves on `'exit'`, or with `spawn-error` when the binary never ran. */
  readonly exited: Promise<ProcessExit & { error?: Error }>;
  readonly closed: Promise<void>;
  exit?: ProcessExit;
  onLine?: (line: string) => void;
  partialLine: string;
  terminating?: Promise<ProcessStopResult>;
}

type Outcome = { ok: true } | { ok: false; exit: ProcessExit; error?: Error; aborted?: boolean };

const MAX_LINE = 64 * 1024;

/**
 * A child process in its own process group with a readiness handshake, a graceful stop (SIGTERM, then
 * SIGKILL to the whole group), bounded output buffers and a systemd-style restart policy with jittered
 * exponential backoff and a crash-loop limit. It is a `LifecycleUnit`.
 */
export class ManagedProcess implements LifecycleUnit, AsyncDisposable {
  readonly name: string;
  readonly dependsOn?: readonly string[];
  private readonly machine: StateMachine;
  private readonly settings: Required<
    Omit<ManagedProcessOptions, 'args' | 'cwd' | 'env' | 'dependsOn' | 'clock' | 'random' | 'backoff'>
  > &
    Pick<ManagedProcessOptions, 'args' | 'cwd' | 'env' | 'backoff'>;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly stdoutTail: OutputBuffer;
  private readonly stderrTail: OutputBuffer;
  private readonly restartListeners = new Set<(event: RestartEvent) => void>();
  private run?: Run;
  private cycle?: AbortController;
  private startPromise?: Promise<void>;
  private stopPromise?: Promise<ProcessStopResult>;
  private stopVoid?: Promise<void>;
  private backoffTimer?: NodeJS.Timeout;
  private readyRun?: Run;
  private readyAt = 0;
  private attempt = 0;
  private restartTimes: number[] = [];
  private restartCount = 0;
  private spawnCount = 0;
  private last?: ProcessExit;

  constructor(options: ManagedProcessOptions) {
    const check = new OptionChecker(`process '${options.name}'`);
    if (!options.name) check.add('name', 'is required');
    if (!options.command) check.add('command', 'is required');
    check.integer('startTimeoutMs', options.startTimeoutMs, 1);
    check.integer('killTimeoutMs', options.killTimeoutMs, 0);
    check.integer('closeTimeoutMs', options.closeTimeoutMs, 0);
    check.integer('outputLimitBytes', options.outputLimitBytes, 1);
    check.integer('stableAfterMs', options.stableAfterMs, 0);
    check.oneOf('restart', options.restart, ['never', 'on-failure', 'always']);
    check.integer('crashLoop.maxRestarts', options.crashLoop?.maxRestarts, 0);
    check.integer('crashLoop.windowMs', options.crashLoop?.windowMs, 1);
    check.integer('backoff.baseMs', options.backoff?.baseMs, 0);
    check.integer('backoff.maxMs', options.backoff?.maxMs, 0);
    check.throwIfAny();

    this.name = options.name;
    this.dependsOn = options.dependsOn;
    this.settings = {
      name: options.name,
      command: options.command,
      args: options.args,
      cwd: options.cwd,
      env: options.env,
      readiness: options.readiness ?? { type: 'spawn' },
      startTimeoutMs: options.startTimeoutMs ?? 10_000,
      killTimeoutMs: options.killTimeoutMs ?? 5_000,
      closeTimeoutMs: options.closeTimeoutMs ?? 1_000,
      outputLimitBytes: options.outputLimitBytes ?? 64 * 1024,
      restart: options.restart ?? 'on-failure',
      backoff: options.backoff ?? { baseMs: 100, maxMs: 30_000 },
      stableAfterMs: options.stableAfterMs ?? 10_000,
      crashLoop: options.crashLoop ?? { maxRestarts: 5, windowMs: 60_000 },
    };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.stdoutTail = new OutputBuffer(this.settings.outputLimitBytes);
    this.stderrTail = new OutputBuffer(this.settings.outputLimitBytes);
    this.machine = new StateMachine(options.name, PROCESS_TRANSITIONS);
  }

  /** The current lifecycle state. */
  get state(): LifecycleState {
    return this.machine.state;
  }

  /** The pid (= process group id) of the running child, if any. */
  get pid(): number | undefined {
    return this.run && !this.run.exit ? this.run.child.pid : undefined;
  }

  /** Restarts performed since construction. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Spawn attempts since construction. */
  get spawns(): number {
    return this.spawnCount;
  }

  /** How the last run ended. */
  get lastExit(): ProcessExit | undefined {
    return this.last;
  }

  /** The kept tail of stdout and stderr, and how many bytes were seen in total. */
  output(): { stdout: string; stderr: string; stdoutBytes: number; stderrBytes: number; heldBytes: number } {
    return {
      stdout: this.stdoutTail.text(),
      stderr: this.stderrTail.text(),
      stdoutBytes: this.stdoutTail.totalBytes,
      stderrBytes: this.stderrTail.totalBytes,
      heldBytes: this.stdoutTail.bytes + this.stderrTail.bytes,
    };
  }

  /** Subscribes to state transitions; returns the unsubscribe function. */
  onTransition(listener: TransitionListener): () => void {
    return this.machine.onTransition(listener);
  }

  /** Subscribes to scheduled restarts (one event per backoff); returns the unsubscribe function. */
  onRestart(listener: (event: RestartEvent) => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  /**
   * Spawns the process and resolves once it is ready. Rejects with `ProcessSpawnError`,
   * `ProcessStartError` (exited first or timed out; the group is killed) or the signal's reason.
   * A failed first start is never restarted: it is `failed` at once.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.startPromise) return this.startPromise;
    if (this.machine.state === 'ready') return Promise.resolve();
    try {
      this.machine.transition('starting');
    } catch (error) {
      return Promise.reject(error);
    }
    this.stopPromise = undefined;
    this.stopVoid = undefined;
    this.attempt = 0;
    this.restartTimes = [];
    this.startPromise = this.runStart(signal).finally(() => (this.startPromise = undefined));
    return this.startPromise;
  }

  /**
   * Stops the process: SIGTERM to its group, SIGKILL after `killTimeoutMs` (or at once when `signal`
   * aborts); cancels a pending restart. Concurrent calls share one promise.
   */
  stop(signal?: AbortSignal): Promise<void> {
    this.stopResult(signal);
    return this.stopVoid!;
  }

  /** `stop()` that also says whether anything had to be SIGKILLed and how the process ended. */
  stopResult(signal?: AbortSignal): Promise<ProcessStopResult> {
    if (!this.stopPromise) {
      this.stopPromise = this.runStop(signal);
      this.stopVoid = this.stopPromise.then(() => undefined);
    }
    return this.stopPromise;
  }

  /** `await using proc = …` stops it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async runStart(signal: AbortSignal | undefined): Promise<void> {
    const outcome = await this.spawnUntilReady(signal);
    if (outcome.ok && this.machine.state === 'starting') {
      this.becomeReady();
      return;
    }
    if (outcome.ok || outcome.aborted) {
      // stop() is in charge when it caused the abort; otherwise the shutdown signal did, and we stop
      // through the shared stop promise so a stop() called meanwhile joins this one.
      if (this.machine.state === 'starting') await this.stopResult();
      throw signal?.aborted ? signal.reason : new StartAbortedError('stop() was called');
    }
    const error =
      outcome.exit.kind === 'spawn-error'
        ? new ProcessSpawnError(this.name, outcome.error)
        : new ProcessStartError(this.name, outcome.exit, this.settings.startTimeoutMs);
    this.last = outcome.exit;
    if (this.machine.state === 'starting') this.machine.transition('failed', error);
    throw error;
  }

  private async runStop(signal: AbortSignal | undefined): Promise<ProcessStopResult> {
    switch (this.machine.state) {
      case 'created':
        this.machine.transition('stopped');
        return { forced: false };
      case 'stopped':
      case 'failed':
        return { forced: false, exit: this.last };
      case 'backoff':
        clearTimeout(this.backoffTimer);
        this.backoffTimer = undefined;
        this.machine.transition('stopped');
        return { forced: false, exit: this.last };
      default: {
        this.machine.transition('stopping');
        this.cycle?.abort(new Error('stop requested'));
        const run = this.run!;
        const result = await this.terminate(run, signal);
        // `stopped` on 'exit' (and an empty group); the pipes then get a bounded wait for 'close'.
        this.machine.transition('stopped');
        await this.settle(run);
        return result;
      }
    }
  }

  private becomeReady(): void {
    this.readyRun = this.run;
    this.readyAt = this.clock.now();
    this.machine.transition('ready');
    const run = this.run!;
    void run.exited.then((exit) => this.onUnexpectedExit(run, exit));
  }

  private onUnexpectedExit(run: Run, exit: ProcessExit): void {
    if (run.terminating || this.run !== run) return; // a stop we asked for
    const state = this.machine.state;
    if (state !== 'ready' && state !== 'draining') return;
    this.last = exit;
    // Like systemd's KillMode=control-group: what the dead main process left in its tree goes too.
    killTree(run);
    void this.settle(run);
    if (!shouldRestart(this.settings.restart, exit.kind)) {
      if (exit.kind === 'clean') this.machine.transition('stopped');
      else this.machine.transition('failed', new ProcessExitError(this.name, exit));
      return;
    }
    this.machine.transition('crashed', new ProcessExitError(this.name, exit));
    this.scheduleRestart(exit, this.readyRun === run ? this.clock.now() - this.readyAt : 0);
  }

  private scheduleRestart(exit: ProcessExit, uptimeMs: number): void {
    const now = this.clock.now();
    if (uptimeMs >= this.settings.stableAfterMs) this.attempt = 0;
    const { maxRestarts, windowMs } = this.settings.crashLoop;
    this.restartTimes = this.restartTimes.filter((t) => now - t < windowMs);
    if (this.restartTimes.length >= maxRestarts) {
      this.machine.transition(
        'failed',
        new ProcessCrashLoopError(this.name, this.restartTimes.length, windowMs, exit),
      );
      return;
    }
    this.restartTimes.push(now);
    const attempt = this.attempt++;
    const delayMs = backoffDelay(attempt, this.settings.backoff!, this.random);
    this.machine.transition('backoff');
    notifyListeners(this.restartListeners, { process: this.name, attempt, delayMs, exit }, 'process restart');
    this.backoffTimer = setTimeout(() => void this.restart(), delayMs);
  }

  private async restart(): Promise<void> {
    this.backoffTimer = undefined;
    this.machine.transition('restarting');
    this.restartCount++;
    const outcome = await this.spawnUntilReady(undefined);
    if (outcome.ok && this.machine.state === 'restarting') {
      this.becomeReady();
      return;
    }
    // stop() took over: it terminates the run.
    if (outcome.ok || outcome.aborted || this.machine.state !== 'restarting') return;
    this.last = outcome.exit;
    if (outcome.exit.kind === 'spawn-error') {
      // A binary that cannot run will not run on the next try either: no restart storm.
      this.machine.transition('failed', new ProcessSpawnError(this.name, outcome.error));
      return;
    }
    this.machine.transition('crashed', new ProcessExitError(this.name, outcome.exit));
    this.scheduleRestart(outcome.exit, 0);
  }

  /** Spawns a child and waits for readiness, its exit, the start timeout or an abort. */
  private async spawnUntilReady(signal: AbortSignal | undefined): Promise<Outcome> {
    const cycle = new AbortController();
    this.cycle = cycle;
    const unlink = linkAbort(signal, cycle);
    const run = this.launch();
    this.run = run;
    let timer: NodeJS.Timeout | undefined;
    const waiting = new AbortController();
    try {
      const result = await Promise.race([
        this.waitReady(run, this.settings.readiness, waiting.signal).then(() => 'ready' as const),
        run.exited.then(() => 'exit' as const),
        new Promise<'timeout'>(
          (resolve) => (timer = setTimeout(() => resolve('timeout'), this.settings.startTimeoutMs)),
        ),
        new Promise<'aborted'>((resolve) => {
          if (cycle.signal.aborted) resolve('aborted');
          cycle.signal.addEventListener('abort', () => resolve('aborted'), {
            once: true,
            signal: waiting.signal,
          });
        }),
      ]);
      if (result === 'ready' && !run.exit && !cycle.signal.aborted) return { ok: true };
      if (result === 'aborted' || cycle.signal.aborted)
        return { ok: false, aborted: true, exit: { kind: 'clean', code: null, signal: null } };
      if (result === 'timeout') {
        await this.terminate(run, undefined);
        await this.settle(run);
        return {
          ok: false,
          exit: { kind: 'timeout', code: run.exit?.code ?? null, signal: run.exit?.signal ?? null },
        };
      }
      const exit = await run.exited;
      if (exit.kind !== 'spawn-error') {
        killTree(run);
        await this.settle(run);
      }
      return {
        ok: false,
        exit: { kind: exit.kind, code: exit.code, signal: exit.signal },
        error: exit.error,
      };
    } finally {
      clearTimeout(timer);
      waiting.abort();
      unlink();
      if (this.cycle === cycle) this.cycle = undefined;
    }
  }

  private launch(): Run {
    this.spawnCount++;
    const ipc = this.settings.readiness.type === 'ipc';
    const stdio: StdioOptions = ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
    let child: ChildProcess;
    const token = newTreeToken();
    try {
      // detached: the child leads a new process group (setsid), so a stop reaches its grandchildren.
      child = spawn(this.settings.command, this.settings.args ?? [], {
        cwd: this.settings.cwd,
        env: { ...(this.settings.env ?? process.env), [PROCESS_TREE_ENV]: token },
        detached: true,
        stdio,
      });
    } catch (error) {
      const failed = { kind: 'spawn-error' as const, code: null, signal: null, error: error as Error };
      return {
        child: { pid: undefined } as ChildProcess,
        token,
        exited: Promise.resolve(failed),
        closed: Promise.resolve(),
        exit: failed,
        partialLine: '',
      };
    }
    let resolveExit!: (exit: ProcessExit & { error?: Error }) => void;
    const exited = new Promise<ProcessExit & { error?: Error }>((resolve) => (resolveExit = resolve));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const run: Run = { child, token, exited, closed, partialLine: '' };
    if (child.pid !== undefined) run.lifeline = Lifeline.start(child.pid, token);
    child.once('exit', (code, signal) => {
      run.exit = classifyExit(code, signal);
      resolveExit(run.exit);
    });
    // Always listened to: an unhandled 'error' would crash the host process.
    child.on('error', (error) => {
      if (child.pid === undefined && !run.exit) {
        run.lifeline?.end();
        run.exit = { kind: 'spawn-error', code: null, signal: null };
        resolveExit({ ...run.exit, error });
      }
    });
    // Always consumed: a full pipe would block the child (the classic deadlock).
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdoutTail.push(chunk);
      if (run.onLine) this.feedLines(run, chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => this.stderrTail.push(chunk));
    return run;
  }

  private feedLines(run: Run, chunk: Buffer): void {
    const text = run.partialLine + chunk.toString('utf8');
    const lines = text.split('\n');
    run.partialLine = lines.pop()!.slice(-MAX_LINE);
    for (const line of lines) run.onLine?.(line.replace(/\r$/, ''));
  }

  private waitReady(run: Run, readiness: ProcessReadiness, signal: AbortSignal): Promise<void> {
    const { child } = run;
    switch (readiness.type) {
      case 'spawn':
        return new Promise((resolve) => child.once('spawn', () => resolve()));
      case 'ipc': {
        const match = readiness.match ?? isReadyMessage;
        return new Promise((resolve) => {
          const onMessage = (message: unknown): void => {
            if (!match(message)) return;
            child.off('message', onMessage);
            resolve();
          };
          child.on('message', onMessage);
          signal.addEventListener('abort', () => child.off('message', onMessage), { once: true });
        });
      }
      case 'stdout': {
        const { match } = readiness;
        return new Promise((resolve) => {
          run.onLine = (line) => {
            if (typeof match === 'string' ? !line.includes(match) : !match.test(line)) return;
            run.onLine = undefined;
            resolve();
          };
          signal.addEventListener('abort', () => (run.onLine = undefined), { once: true });
        });
      }
      case 'port':
        return waitForPort(readiness.host ?? '127.0.0.1', readiness.port, readiness.intervalMs ?? 50, signal);
    }
  }

  /**
   * SIGTERM to the whole tree (the group, and on Linux descendants that left it), SIGKILL after
   * `killTimeoutMs` (or when `signal` aborts) to whatever of it is left.
   */
  private terminate(run: Run, signal: AbortSignal | undefined): Promise<ProcessStopResult> {
    run.terminating ??= this.doTerminate(run, signal);
    return run.terminating;
  }

  private async doTerminate(run: Run, signal: AbortSignal | undefined): Promise<ProcessStopResult> {
    const pgid = run.child.pid;
    if (pgid === undefined) return { forced: false, exit: run.exit };
    let timer: NodeJS.Timeout | undefined;
    const escalate = new AbortController();
    const unlink = linkAbort(signal, escalate);
    const signalled = new Set<number>();
    const killed: number[] = [];
    try {
      // Found before signalling: once the child exits, a descendant that left the group is reparented
      // and only its marker still ties it to this run.
      const tree = treeMembers(pgid, run.token);
      if (!run.exit || tree.length > 0) killGroup(pgid, 'SIGTERM');
      for (const pid of signalEach(tree, 'SIGTERM')) signalled.add(pid);
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), this.settings.killTimeoutMs);
        escalate.signal.addEventListener('abort', () => resolve('deadline'), { once: true });
      });
      const first = await Promise.race([run.exited.then(() => 'exit' as const), deadline]);
      if (first === 'deadline' || !(await this.treeGone(run, deadline))) {
        const left = treeMembers(pgid, run.token);
        killGroup(pgid, 'SIGKILL');
        killed.push(...signalEach(left, 'SIGKILL'));
        if (!run.exit) {
          if (!killed.includes(pgid)) killed.push(pgid);
          await run.exited;
        }
      }
    } finally {
      clearTimeout(timer);
      unlink();
      run.lifeline?.end();
    }
    signalled.add(pgid);
    for (const pid of killed) signalled.add(pid);
    const exit = run.exit!;
    this.last = exit;
    return { forced: killed.length > 0, exit, signalled: [...signalled], killed };
  }

  /** Waits until no live process of the run remains, or the deadline; true when the tree is gone. */
  private async treeGone(run: Run, deadline: Promise<'deadline'>): Promise<boolean> {
    let expired = false;
    void deadline.then(() => (expired = true));
    while (treeMembers(run.child.pid!, run.token).length > 0) {
      if (expired) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20);
        void deadline.then(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  /** Bounded wait for `'close'`: a grandchild holding our pipes must not hang the stop. */
  private async settle(run: Run): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      run.closed,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settings.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
    run.child.stdout?.destroy();
    run.child.stderr?.destroy();
    if (run.child.connected) run.child.disconnect();
  }
}

/** SIGKILL to everything the run left (its group, and on Linux its marked processes); ends the lifeline. */
function killTree(run: Run): void {
  const pgid = run.child.pid!;
  const left = treeMembers(pgid, run.token);
  killGroup(pgid, 'SIGKILL');
  signalEach(left, 'SIGKILL');
  run.lifeline?.end();
}

function isReadyMessage(message: unknown): boolean {
  return (
    message === 'ready' ||
    (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ready')
  );
}

/** Polls a TCP connect until it succeeds or `signal` aborts; every socket and timer is cleaned up. */
function waitForPort(host: string, port: number, intervalMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const attempt = (): void => {
      if (signal.aborted) return;
      const socket = connect({ host, port });
      const onAbort = (): void => void socket.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        if (!signal.aborted) timer = setTimeout(attempt, intervalMs);
      });
    };
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    attempt();
  });
}
