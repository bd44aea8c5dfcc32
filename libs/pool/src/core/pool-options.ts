import { InvalidOptionsError, OptionChecker, systemClock } from '@steward/common';
import type {
  IdleOrder,
  PoolInitialization,
  PoolOptions,
  ResolvedPoolOptions,
} from './interfaces/pool-options.interface.js';
import { poolMessages } from './pool.messages.js';

/** The documented defaults. */
export const POOL_DEFAULTS = {
  name: 'default',
  min: 0,
  max: 10,
  acquireTimeoutMs: 30_000,
  createTimeoutMs: 10_000,
  validateTimeoutMs: 5_000,
  destroyTimeoutMs: 5_000,
  idleTimeoutMs: 600_000,
  maxLifetimeMs: 1_800_000,
  lifetimeJitter: 0.25,
  maxUses: 0,
  keepaliveIntervalMs: 0,
  validateOnBorrow: false,
  validateSkipWindowMs: 500,
  maxWaiting: Number.POSITIVE_INFINITY,
  idleOrder: 'lifo' as IdleOrder,
  createRetry: { baseMs: 100, maxMs: 10_000, factor: 2 },
  leakDetectionMs: 0,
  reclaimLeaks: false,
  initialization: 'fail-fast' as PoolInitialization,
  maintenanceIntervalMs: 0,
} as const;

/** setTimeout's largest delay; a longer one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;
const MS = MAX_TIMER_MS;

/**
 * Checks pool options and fills in the defaults; throws one `InvalidOptionsError` listing every bad
 * field (values are never echoed).
 */
export function validatePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  const check = new OptionChecker('pool');
  if (options === null || typeof options !== 'object') {
    check.add('(root)', 'must be an object');
    check.throwIfAny();
  }
  const o = options;
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length === 0)) {
    check.add('name', 'must be a non-empty string');
  }
  check.integer('min', o.min, 0);
  check.integer('max', o.max, 1);
  if (Number.isInteger(o.min) && Number.isInteger(o.max) && (o.min as number) > (o.max as number)) {
    check.add('min', 'must not exceed max');
  }
  if (o.max === undefined && Number.isInteger(o.min) && (o.min as number) > POOL_DEFAULTS.max) {
    check.add('min', `must not exceed max (default ${POOL_DEFAULTS.max})`);
  }
  check.integer('acquireTimeoutMs', o.acquireTimeoutMs, 1, MS);
  check.integer('createTimeoutMs', o.createTimeoutMs, 1, MS);
  check.integer('validateTimeoutMs', o.validateTimeoutMs, 1, MS);
  check.integer('destroyTimeoutMs', o.destroyTimeoutMs, 1, MS);
  check.integer('idleTimeoutMs', o.idleTimeoutMs, 0, MS);
  check.integer('maxLifetimeMs', o.maxLifetimeMs, 0);
  check.number('lifetimeJitter', o.lifetimeJitter, 0, 1);
  check.integer('maxUses', o.maxUses, 0);
  check.integer('keepaliveIntervalMs', o.keepaliveIntervalMs, 0, MS);
  boolean(check, 'validateOnBorrow', o.validateOnBorrow);
  check.integer('validateSkipWindowMs', o.validateSkipWindowMs, 0, MS);
  if (o.maxWaiting !== Number.POSITIVE_INFINITY) check.integer('maxWaiting', o.maxWaiting, 0);
  check.oneOf('idleOrder', o.idleOrder, ['lifo', 'fifo']);
  if (o.createRetry !== undefined) {
    if (o.createRetry === null || typeof o.createRetry !== 'object')
      check.add('createRetry', 'must be an object');
    else {
      check.integer('createRetry.baseMs', o.createRetry.baseMs, 1, MS);
      check.integer('createRetry.maxMs', o.createRetry.maxMs, 1, MS);
      check.number('createRetry.factor', o.createRetry.factor, 1, 100);
    }
  }
  check.integer('leakDetectionMs', o.leakDetectionMs, 0, MS);
  boolean(check, 'reclaimLeaks', o.reclaimLeaks);
  if (o.reclaimLeaks === true && !o.leakDetectionMs) check.add('reclaimLeaks', 'needs leakDetectionMs');
  if (o.adaptive !== undefined && typeof o.adaptive !== 'boolean') {
    const a = o.adaptive;
    if (a === null || typeof a !== 'object') check.add('adaptive', 'must be a boolean or an object');
    else {
      check.integer('adaptive.initialLimit', a.initialLimit, 1);
      check.integer('adaptive.windowSamples', a.windowSamples, 1);
      check.number('adaptive.probeGain', a.probeGain, 0.01, 0.5);
      check.integer('adaptive.filterPhases', a.filterPhases, 2);
      check.number('adaptive.backoffRatio', a.backoffRatio, 0.1, 0.99);
      check.number('adaptive.memoryHighWatermark', a.memoryHighWatermark, 0, 1);
      if (a.memoryProbe !== undefined && typeof a.memoryProbe !== 'function') {
        check.add('adaptive.memoryProbe', 'must be a function');
      }
    }
  }
  check.oneOf('initialization', o.initialization, ['fail-fast', 'retry']);
  check.integer('maintenanceIntervalMs', o.maintenanceIntervalMs, 0, MS);
  if (o.clock !== undefined && typeof o.clock?.now !== 'function')
    check.add('clock', 'must have a now() method');
  if (o.random !== undefined && typeof o.random !== 'function') check.add('random', 'must be a function');
  if (o.onListenerError !== undefined && typeof o.onListenerError !== 'function') {
    check.add('onListenerError', 'must be a function');
  }
  if (o.budget !== undefined && typeof o.budget?.tryTake !== 'function') {
    check.add('budget', 'must be a ConnectionBudget (redisBudget from @steward/pool/budget)');
  }
  check.throwIfAny();

  const d = POOL_DEFAULTS;
  return {
    name: o.name ?? d.name,
    min: o.min ?? d.min,
    max: o.max ?? d.max,
    acquireTimeoutMs: o.acquireTimeoutMs ?? d.acquireTimeoutMs,
    createTimeoutMs: o.createTimeoutMs ?? d.createTimeoutMs,
    validateTimeoutMs: o.validateTimeoutMs ?? d.validateTimeoutMs,
    destroyTimeoutMs: o.destroyTimeoutMs ?? d.destroyTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs ?? d.idleTimeoutMs,
    maxLifetimeMs: o.maxLifetimeMs ?? d.maxLifetimeMs,
    lifetimeJitter: o.lifetimeJitter ?? d.lifetimeJitter,
    maxUses: o.maxUses ?? d.maxUses,
    keepaliveIntervalMs: o.keepaliveIntervalMs ?? d.keepaliveIntervalMs,
    validateOnBorrow: o.validateOnBorrow ?? d.validateOnBorrow,
    validateSkipWindowMs: o.validateSkipWindowMs ?? d.validateSkipWindowMs,
    maxWaiting: o.maxWaiting ?? d.maxWaiting,
    idleOrder: o.idleOrder ?? d.idleOrder,
    createRetry: { ...d.createRetry, ...o.createRetry },
    leakDetectionMs: o.leakDetectionMs ?? d.leakDetectionMs,
    reclaimLeaks: o.reclaimLeaks ?? d.reclaimLeaks,
    adaptive: o.adaptive === true ? {} : o.adaptive === false ? undefined : o.adaptive,
    initialization: o.initialization ?? d.initialization,
    maintenanceIntervalMs: o.maintenanceIntervalMs ?? d.maintenanceIntervalMs,
    clock: o.clock ?? systemClock,
    random: o.random ?? Math.random,
    onListenerError: o.onListenerError,
    budget: o.budget,
  };
}

/**
 * Checks the options of one `acquire()` call, every call alike (idle resource or not); returns the error
 * instead of throwing (acquire rejects). A priority must be a number: NaN or a string would get a lane of
 * its own that no later lookup finds; a string `timeoutMs` would be concatenated into a deadline.
 */
export function checkAcquireOptions(options: unknown): InvalidOptionsError | undefined {
  if (options === null || typeof options !== 'object') {
    return new InvalidOptionsError('acquire', [{ path: '(root)', message: poolMessages.acquireNotObject }]);
  }
  const { timeoutMs, priority, signal } = options as Record<string, unknown>;
  const badTimeout = timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0);
  const badPriority = priority !== undefined && !(typeof priority === 'number' && !Number.isNaN(priority));
  const badSignal = signal !== undefined && !isAbortSignal(signal);
  // The common case allocates nothing: this runs on every acquire that passes options.
  if (!badTimeout && !badPriority && !badSignal) return undefined;
  const issues: { path: string; message: string }[] = [];
  if (badTimeout) issues.push({ path: 'timeoutMs', message: poolMessages.acquireTimeoutMs });
  if (badPriority) issues.push({ path: 'priority', message: poolMessages.acquirePriority });
  if (badSignal) issues.push({ path: 'signal', message: poolMessages.acquireSignal });
  return new InvalidOptionsError('acquire', issues);
}

/** Duck-typed: a signal from another realm (a vm context, a test environment) is still a signal. */
function isAbortSignal(value: unknown): boolean {
  const signal = value as Partial<AbortSignal> | null;
  return (
    typeof signal === 'object' &&
    signal !== null &&
    typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function'
  );
}

/** Checks the options of `drain()`; returns the error instead of throwing (drain rejects). */
export function checkDrainOptions(deadline: unknown): InvalidOptionsError | undefined {
  if (deadline === undefined || (typeof deadline === 'number' && deadline >= 0)) return undefined;
  return new InvalidOptionsError('drain', [{ path: 'deadline', message: 'must be a number from 0' }]);
}

/** Checks the bounds given to `resize()`; throws one error listing both when both are bad. */
export function checkBounds(min: unknown, max: unknown): void {
  const check = new OptionChecker('pool resize');
  const minOk = typeof min === 'number' && Number.isInteger(min) && min >= 0;
  const maxOk = typeof max === 'number' && Number.isInteger(max) && max >= 1;
  if (!minOk) check.add('min', 'must be an integer from 0');
  if (!maxOk) check.add('max', 'must be an integer from 1');
  if (minOk && maxOk && min > max) check.add('min', 'must not exceed max');
  check.throwIfAny();
}

function boolean(check: OptionChecker, path: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') check.add(path, 'must be a boolean');
}
