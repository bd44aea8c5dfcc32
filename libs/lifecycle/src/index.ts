// Public API of @steward/lifecycle: the core (states, the manager, processes, servers, ports, links) and the Nest module.
export * from './core.js';
export * from './nest/index.js';
