// @steward/pool/sqlite: SQLite handles through node:sqlite (experimental on Node 22: it warns there, only when loaded).
export * from './adapters/sqlite.factory.js';
export type * from './adapters/interfaces/sqlite-factory-options.interface.js';
