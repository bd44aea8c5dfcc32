// @steward/pool/budget: one connection budget for many replicas, coordinated in Redis through an ioredis
// client the app passes in (no driver is loaded from here).
export * from './budget/redis-budget.js';
export * from './budget/budget.errors.js';
export type * from './budget/interfaces/redis-budget-options.interface.js';
export type * from './core/interfaces/connection-budget.interface.js';
