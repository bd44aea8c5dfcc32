// @steward/pool/postgres: PostgreSQL connections through pg (an optional peer, loaded only from here).
export * from './adapters/postgres.factory.js';
export type * from './adapters/interfaces/postgres-factory-options.interface.js';
export * from './adapters/postgres.transaction.js';
export * from './adapters/postgres.errors.js';
