// @steward/pool/process: a pool of managed worker processes (ManagedProcess from @steward/lifecycle).
export * from './adapters/process.factory.js';
export * from './adapters/worker-process.js';
export * from './adapters/worker-protocol.js';
export * from './adapters/adapter.errors.js';
export type * from './adapters/interfaces/process-factory-options.interface.js';
