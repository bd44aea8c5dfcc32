// Public API of @steward/pool: the engine and the Nest module. Adapters are on their own subpaths
// (@steward/pool/postgres, /redis, /sqlite, /tcp, /process) and the admin controller on @steward/pool/admin,
// so an app loads only the drivers it uses.
export * from './core/index.js';
export * from './nest/index.js';
