import type { PoolStats } from './interfaces/pool-stats.interface.js';

// User-facing text of the pool's errors, in one place so wording stays consistent.
export const poolMessages = {
  timeout: (stats: PoolStats, waitMs: number, lastCreateError: string | undefined): string =>
    `Pool "${stats.name}" timed out after ${Math.round(waitMs)} ms waiting for a resource ` +
    `(size ${stats.size}/${stats.max}, borrowed ${stats.borrowed}, creating ${stats.creating}, waiting ${stats.waiting})` +
    (lastCreateError === undefined ? '' : `; last create error: ${lastCreateError}`),
  exhausted: (name: string, maxWaiting: number): string =>
    `Pool "${name}" has ${maxWaiting} callers waiting already (maxWaiting); try again later`,
  closed: (name: string): string => `Pool "${name}" is closed`,
  draining: (name: string): string => `Pool "${name}" is draining and accepts no new acquires`,
  aborted: (name: string): string => `Acquire from pool "${name}" was aborted`,
  createFailed: (name: string): string => `Pool "${name}" could not create a resource`,
  createTimeout: (name: string, ms: number): string =>
    `Pool "${name}" gave up creating a resource after ${ms} ms`,
  validateTimeout: (name: string, ms: number): string =>
    `Pool "${name}" gave up validating a resource after ${ms} ms`,
  resetTimeout: (name: string, ms: number): string =>
    `Pool "${name}" gave up resetting a resource after ${ms} ms`,
  destroyTimeout: (name: string, ms: number): string =>
    `Pool "${name}" gave up destroying a resource after ${ms} ms`,
  leaseStack: 'Lease acquired here',
  acquireNotObject: 'must be an object',
  acquireTimeoutMs: 'must be a positive number (Infinity waits without a deadline)',
  acquirePriority: 'must be a number',
  acquireSignal: 'must be an AbortSignal',
};
