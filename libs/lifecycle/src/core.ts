// @steward/lifecycle/core: states, the manager, processes, servers, ports and links; no Nest.
export * from './core/index.js';
export * from './core/net/index.js';
