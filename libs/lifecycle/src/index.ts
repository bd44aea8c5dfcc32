// Public API of @steward/lifecycle: states, the manager, processes, servers, ports, links, and the Nest module.
export * from './core/index.js';
export * from './core/net/index.js';
export * from './nest/index.js';
