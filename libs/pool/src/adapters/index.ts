export * from './postgres.factory.js';
export * from './redis.factory.js';
export * from './sqlite.factory.js';
export * from './tcp.factory.js';
export type * from './interfaces/postgres-factory-options.interface.js';
export type * from './interfaces/redis-factory-options.interface.js';
export type * from './interfaces/sqlite-factory-options.interface.js';
export type * from './interfaces/tcp-factory-options.interface.js';
