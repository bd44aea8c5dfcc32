// Public API of @steward/pool: the engine, the adapters for real resources, and the Nest module.
export * from './core/index.js';
export * from './adapters/index.js';
export * from './nest/index.js';
