export type * from './interfaces/resource-factory.interface.js';
export type * from './interfaces/lease.interface.js';
export type * from './interfaces/pool-options.interface.js';
export type * from './interfaces/pool-stats.interface.js';
export type * from './interfaces/pool-events.interface.js';
export * from './pool.js';
export * from './pool.errors.js';
export { validatePoolOptions, POOL_DEFAULTS } from './pool-options.js';
export { AdaptiveLimiter, heapPressure } from './adaptive-limiter.js';
