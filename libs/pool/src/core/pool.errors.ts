import { StewardError } from '@steward/common';
import type { PoolStats } from './interfaces/pool-stats.interface.js';
import { poolMessages } from './pool.messages.js';

/** No resource became available within the acquire timeout; carries a stats snapshot and the last create error. */
export class PoolTimeoutError extends StewardError {
  constructor(
    readonly stats: PoolStats,
    readonly waitMs: number,
    readonly lastCreateError: string | undefined,
  ) {
    super('POOL_TIMEOUT', poolMessages.timeout(stats, waitMs, lastCreateError));
  }
}

/** The waiting queue is full (`maxWaiting`). */
export class PoolExhaustedError extends StewardError {
  constructor(
    readonly poolName: string,
    readonly maxWaiting: number,
  ) {
    super('POOL_EXHAUSTED', poolMessages.exhausted(poolName, maxWaiting));
  }
}

/** The pool is closed, or draining and refusing new acquires. */
export class PoolClosedError extends StewardError {
  constructor(
    readonly poolName: string,
    readonly draining = false,
  ) {
    super('POOL_CLOSED', draining ? poolMessages.draining(poolName) : poolMessages.closed(poolName));
  }
}

/** The caller's signal aborted the acquire; the abort reason is the `cause`. */
export class PoolAbortedError extends StewardError {
  constructor(poolName: string, reason: unknown) {
    super('POOL_ACQUIRE_ABORTED', poolMessages.aborted(poolName), { cause: reason });
  }
}

/** `factory.create` failed (the factory's error is the `cause`), e.g. during `ready()`. */
export class ResourceCreateError extends StewardError {
  constructor(poolName: string, cause: unknown) {
    super('POOL_CREATE_FAILED', poolMessages.createFailed(poolName), { cause });
  }
}

/** `factory.create` did not finish within `createTimeoutMs`. */
export class ResourceCreateTimeoutError extends StewardError {
  constructor(poolName: string, timeoutMs: number) {
    super('POOL_CREATE_TIMEOUT', poolMessages.createTimeout(poolName, timeoutMs));
  }
}

/** `factory.validate` did not finish within `validateTimeoutMs`. */
export class ResourceValidateTimeoutError extends StewardError {
  constructor(poolName: string, timeoutMs: number) {
    super('POOL_VALIDATE_TIMEOUT', poolMessages.validateTimeout(poolName, timeoutMs));
  }
}

/** `factory.reset` did not finish within `validateTimeoutMs`; the resource was destroyed. */
export class ResourceResetTimeoutError extends StewardError {
  constructor(poolName: string, timeoutMs: number) {
    super('POOL_RESET_TIMEOUT', poolMessages.resetTimeout(poolName, timeoutMs));
  }
}

/** `factory.destroy` did not finish within `destroyTimeoutMs`; the pool forgot the resource. */
export class ResourceDestroyTimeoutError extends StewardError {
  constructor(poolName: string, timeoutMs: number) {
    super('POOL_DESTROY_TIMEOUT', poolMessages.destroyTimeout(poolName, timeoutMs));
  }
}
