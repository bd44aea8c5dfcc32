// @steward/pool/redis: Redis connections through ioredis (an optional peer, loaded only from here).
export * from './adapters/redis.factory.js';
export type * from './adapters/interfaces/redis-factory-options.interface.js';
