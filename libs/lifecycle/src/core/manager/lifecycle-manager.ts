import { linkAbort, OptionChecker, raceAbort } from '@steward/common';
import type { LifecycleUnit } from '../interfaces/lifecycle-unit.interface.js';
import {
  StartAbortedError,
  UnitRegistrationError,
  UnitStartError,
  UnitStopError,
  UnitTimeoutError,
  LifecycleStopError,
} from '../state/lifecycle.errors.js';
import { lifecycleMessages } from '../state/lifecycle.messages.js';
import { UNIT_TRANSITIONS, type LifecycleState } from '../state/lifecycle.state.js';
import { notifyListeners } from '../state/notify-listeners.js';
import { StateMachine, type TransitionListener } from '../state/state-machine.js';

/** Timeouts of a manager; every value is in milliseconds. */
export interface LifecycleManagerOptions {
  /** Name of the manager in its own transition events (default `lifecycle`). */
  name?: string;
  /** Default per-unit start timeout (default 30 000). */
  startTimeoutMs?: number;
  /** Default per-unit stop timeout (default 10 000). */
  stopTimeoutMs?: number;
  /** Budget of one whole `stop()`, started fresh when the stop begins (default 25 000). */
  stopDeadlineMs?: number;
}

/** Per-unit overrides of the manager's timeouts. */
export interface UnitOptions {
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  /**
   * Objects that stand for the unit when another unit holds them (a pool for the host that runs it):
   * `unitOf(object)` names the unit, so dependencies can be inferred from injection.
   */
  handles?: readonly object[];
}

/** What the manager reports about one unit. */
export interface UnitSnapshot {
  readonly name: string;
  readonly state: LifecycleState;
  readonly dependsOn: readonly string[];
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

interface Entry {
  readonly unit: LifecycleUnit;
  readonly machine: StateMachine;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  /** Set when the start was abandoned (timeout or abort) while the unit's own promise still ran. */
  pendingStart?: Promise<boolean>;
  /** Set while a start that finished after its rollback gave up is being stopped. */
  lateStop?: Promise<void>;
}

const DEFAULTS = { startTimeoutMs: 30_000, stopTimeoutMs: 10_000, stopDeadlineMs: 25_000 };

/**
 * Starts units in dependency order (independent ones in parallel) and stops them in reverse, only
 * those that started. A failed start rolls back with a fresh stop deadline; a stop runs every unit even
 * when some throw or hang and rejects once with every failure; `stop()` is idempotent.
 */
export class LifecycleManager implements AsyncDisposable {
  private readonly entries = new Map<string, Entry>();
  private readonly byObject = new WeakMap<object, string>();
  private readonly machine: StateMachine;
  private readonly listeners = new Set<TransitionListener>();
  private readonly startAbort = new AbortController();
  private readonly readyOrder: Entry[] = [];
  private readonly options: Required<Omit<LifecycleManagerOptions, 'name'>>;
  private startPromise?: Promise<void>;
  private stopPromise?: Promise<void>;
  private launches?: Promise<unknown>;
  private firstFailure?: { unit: string; cause: unknown };

  constructor(options: LifecycleManagerOptions = {}) {
    const check = new OptionChecker('lifecycle manager');
    check.integer('startTimeoutMs', options.startTimeoutMs, 1);
    check.integer('stopTimeoutMs', options.stopTimeoutMs, 1);
    check.integer('stopDeadlineMs', options.stopDeadlineMs, 1);
    check.throwIfAny();
    this.options = {
      startTimeoutMs: options.startTimeoutMs ?? DEFAULTS.startTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs,
      stopDeadlineMs: options.stopDeadlineMs ?? DEFAULTS.stopDeadlineMs,
    };
    this.machine = new StateMachine(options.name ?? 'lifecycle', UNIT_TRANSITIONS);
    this.machine.onTransition((event) => this.forward(event));
  }

  /** The manager's name in its own transition events. */
  get name(): string {
    return this.machine.subject;
  }

  /** The manager's own state: `created → starting → ready → stopping → stopped`, or `failed`. */
  get state(): LifecycleState {
    return this.machine.state;
  }

  /** Registers a unit; only before `start()`. Dependencies are checked when the start begins. */
  add(unit: LifecycleUnit, options: UnitOptions = {}): this {
    if (this.machine.state !== 'created') {
      throw new UnitRegistrationError(lifecycleMessages.addAfterStart(unit.name));
    }
    const check = new OptionChecker(`unit '${unit.name}'`);
    check.integer('startTimeoutMs', options.startTimeoutMs, 1);
    check.integer('stopTimeoutMs', options.stopTimeoutMs, 1);
    check.throwIfAny();
    if (this.entries.has(unit.name))
      throw new UnitRegistrationError(lifecycleMessages.duplicateUnit(unit.name));
    const machine = new StateMachine(unit.name, UNIT_TRANSITIONS);
    machine.onTransition((event) => this.forward(event));
    this.entries.set(unit.name, {
      unit,
      machine,
      startTimeoutMs: options.startTimeoutMs ?? this.options.startTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs ?? this.options.stopTimeoutMs,
    });
    for (const object of [unit, ...(options.handles ?? [])]) this.byObject.set(object, unit.name);
    return this;
  }

  /** The name of the unit that is `object` or that `object` stands for (see `UnitOptions.handles`). */
  unitOf(object: unknown): string | undefined {
    return typeof object === 'object' && object !== null ? this.byObject.get(object) : undefined;
  }

  /** Names of the units whose start or stop is running now: what a missed deadline reports. */
  busyUnits(): string[] {
    return [...this.entries.values()]
      .filter((e) => e.machine.state === 'starting' || e.machine.state === 'stopping' || e.lateStop)
      .map((e) => e.unit.name);
  }

  /** The state of one unit, or undefined when no unit has that name. */
  stateOf(name: string): LifecycleState | undefined {
    return this.entries.get(name)?.machine.state;
  }

  /** The registered unit named `name`, if any. */
  unit(name: string): LifecycleUnit | undefined {
    return this.entries.get(name)?.unit;
  }

  /** A snapshot of every unit in registration order. */
  units(): UnitSnapshot[] {
    return [...this.entries.values()].map((e) => ({
      name: e.unit.name,
      state: e.machine.state,
      dependsOn: e.unit.dependsOn ?? [],
      startTimeoutMs: e.startTimeoutMs,
      stopTimeoutMs: e.stopTimeoutMs,
    }));
  }

  /** Subscribes to every transition of the manager and its units; returns the unsubscribe function. */
  onTransition(listener: TransitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts every unit; resolves when all are ready. Rejects with `UnitStartError` (the failing unit,
   * its error as `cause`, rollback failures as `cleanupErrors`) or `StartAbortedError` when `signal`
   * aborts or `stop()` is called first. A second call returns the same promise.
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.startPromise) return this.startPromise;
    try {
      this.checkGraph();
      this.machine.transition('starting');
    } catch (error) {
      return Promise.reject(error);
    }
    this.startPromise = this.runStart(signal);
    return this.startPromise;
  }

  /** Stops what started, in reverse dependency order; every call returns the same promise. */
  stop(): Promise<void> {
    this.stopPromise ??= this.teardown();
    return this.stopPromise;
  }

  /** `await using manager = …` stops it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async runStart(signal: AbortSignal | undefined): Promise<void> {
    const unlink = linkAbort(signal, this.startAbort);
    try {
      const pending = new Map<string, Promise<void>>();
      const launch = (entry: Entry): Promise<void> => {
        let promise = pending.get(entry.unit.name);
        if (!promise) {
          const deps = (entry.unit.dependsOn ?? []).map((d) => launch(this.entries.get(d)!));
          promise = Promise.all(deps).then(() => this.startUnit(entry));
          pending.set(entry.unit.name, promise);
        }
        return promise;
      };
      this.launches = Promise.allSettled([...this.entries.values()].map(launch));
      await this.launches;
    } finally {
      unlink();
    }
    if (!this.firstFailure && !this.startAbort.signal.aborted) {
      this.machine.transition('ready');
      return;
    }
    let cleanupErrors: readonly UnitStopError[] = [];
    try {
      await this.stop();
    } catch (error) {
      if (error instanceof LifecycleStopError) cleanupErrors = error.errors;
    }
    if (this.firstFailure) {
      throw new UnitStartError(this.firstFailure.unit, this.firstFailure.cause, cleanupErrors);
    }
    throw new StartAbortedError(this.startAbort.signal.reason, cleanupErrors);
  }

  private async startUnit(entry: Entry): Promise<void> {
    // A failure elsewhere or a shutdown: units not yet begun never start.
    if (this.startAbort.signal.aborted) return;
    const name = entry.unit.name;
    entry.machine.transition('starting');
    const controller = new AbortController();
    const unlink = linkAbort(this.startAbort.signal, controller);
    const timer = setTimeout(
      () => controller.abort(new UnitTimeoutError(name, 'start', entry.startTimeoutMs)),
      entry.startTimeoutMs,
    );
    const started = invoke(() => entry.unit.start(controller.signal));
    try {
      await raceAbort(started, controller.signal);
      entry.machine.transition('ready');
      this.readyOrder.push(entry);
    } catch (error) {
      if (controller.signal.aborted && error === controller.signal.reason) {
        // The unit's own promise still runs; the rollback waits for it and stops it if it succeeds.
        entry.pendingStart = started.then(
          () => true,
          () => false,
        );
        if (error instanceof UnitTimeoutError) this.fail(name, error);
      } else {
        entry.machine.transition('failed', error);
        this.fail(name, error);
      }
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  private fail(unit: string, cause: unknown): void {
    if (this.firstFailure) return;
    this.firstFailure = { unit, cause };
    this.startAbort.abort(cause);
  }

  private async teardown(): Promise<void> {
    if (this.machine.state === 'created') {
      this.machine.transition('stopped');
      return;
    }
    if (!this.startAbort.signal.aborted) this.startAbort.abort(new StartAbortedError('stop() was called'));
    this.machine.transition('stopping');
    // Every in-flight start settles promptly: each races its own signal, which has just aborted.
    await this.launches;

    const deadlineMs = this.options.stopDeadlineMs;
    const deadlineReason = new UnitTimeoutError('*', 'deadline', deadlineMs);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(deadlineReason), deadlineMs);
    const errors: UnitStopError[] = [];
    try {
      // Abandoned starts are the newest; then ready units, newest first.
      const participants = [
        ...[...this.entries.values()].filter((e) => e.pendingStart),
        ...[...this.readyOrder].reverse(),
      ];
      const stops = new Map<Entry, Promise<void>>();
      const stopOne = (entry: Entry): Promise<void> => {
        let promise = stops.get(entry);
        if (!promise) {
          const dependents = participants.filter((p) => p.unit.dependsOn?.includes(entry.unit.name));
          promise = Promise.allSettled(dependents.map(stopOne)).then(() =>
            this.stopUnit(entry, deadline.signal, deadlineReason, errors),
          );
          stops.set(entry, promise);
        }
        return promise;
      };
      await Promise.all(participants.map(stopOne));
    } finally {
      clearTimeout(timer);
    }
    const failed = errors.length > 0 || this.firstFailure !== undefined;
    this.machine.transition(failed ? 'failed' : 'stopped');
    if (errors.length > 0) throw new LifecycleStopError(errors);
  }

  private async stopUnit(
    entry: Entry,
    deadline: AbortSignal,
    deadlineReason: UnitTimeoutError,
    errors: UnitStopError[],
  ): Promise<void> {
    const name = entry.unit.name;
    entry.machine.transition('stopping');
    const controller = new AbortController();
    const unlink = linkAbort(deadline, controller);
    const timer = setTimeout(
      () => controller.abort(new UnitTimeoutError(name, 'stop', entry.stopTimeoutMs)),
      entry.stopTimeoutMs,
    );
    let startSettled = entry.pendingStart === undefined;
    try {
      if (entry.pendingStart) {
        const started = await raceAbort(entry.pendingStart, controller.signal);
        startSettled = true;
        // It gave up on its own after the abort: nothing to stop.
        if (!started) {
          entry.machine.transition('stopped');
          return;
        }
      }
      await raceAbort(
        invoke(() => entry.unit.stop(controller.signal)),
        controller.signal,
      );
      entry.machine.transition('stopped');
    } catch (error) {
      const cause =
        error === deadlineReason ? new UnitTimeoutError(name, 'deadline', deadlineReason.timeoutMs) : error;
      const stopError = new UnitStopError(name, cause);
      errors.push(stopError);
      entry.machine.transition('failed', stopError);
      // The rollback gave up on a start that still runs: if it ever succeeds, what it holds is released.
      if (!startSettled)
        void entry.pendingStart!.then((started) => {
          if (started) entry.lateStop = this.stopLate(entry);
        });
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  /** Stops a unit whose start finished after its rollback gave up, inside a fresh `stopTimeoutMs`. */
  private async stopLate(entry: Entry): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new UnitTimeoutError(entry.unit.name, 'stop', entry.stopTimeoutMs)),
      entry.stopTimeoutMs,
    );
    try {
      await raceAbort(
        invoke(() => entry.unit.stop(controller.signal)),
        controller.signal,
      );
    } catch {
      // Already reported: the unit's stop failed once, in the stop() that gave up on it.
    } finally {
      clearTimeout(timer);
      entry.lateStop = undefined;
    }
  }

  private checkGraph(): void {
    for (const entry of this.entries.values()) {
      for (const dep of entry.unit.dependsOn ?? []) {
        if (!this.entries.has(dep)) {
          throw new UnitRegistrationError(lifecycleMessages.unknownDependency(entry.unit.name, dep));
        }
      }
    }
    const done = new Set<string>();
    const path: string[] = [];
    const visit = (name: string): void => {
      if (done.has(name)) return;
      const at = path.indexOf(name);
      if (at >= 0)
        throw new UnitRegistrationError(lifecycleMessages.dependencyCycle([...path.slice(at), name]));
      path.push(name);
      for (const dep of this.entries.get(name)!.unit.dependsOn ?? []) visit(dep);
      path.pop();
      done.add(name);
    };
    for (const name of this.entries.keys()) visit(name);
  }

  private forward(event: Parameters<TransitionListener>[0]): void {
    notifyListeners(this.listeners, event, 'lifecycle transition');
  }
}

/** Calls a hook and turns a synchronous throw into a rejection; the rejection is always observed. */
function invoke(hook: () => Promise<void>): Promise<void> {
  let promise: Promise<void>;
  try {
    promise = Promise.resolve(hook());
  } catch (error) {
    promise = Promise.reject(error);
  }
  // A hook abandoned at its timeout may reject later: that must not become an unhandled rejection.
  promise.catch(() => undefined);
  return promise;
}
