// Network part of @steward/lifecycle: ports, servers, outbound links.
export type * from './interfaces/port-lease.interface.js';
export type * from './interfaces/managed-server.interface.js';
export type * from './interfaces/tcp-connect.interface.js';
export type * from './interfaces/circuit-breaker.interface.js';
export * from './net.errors.js';
export type { EventMap, ListenerErrorHandler } from './safe-emitter.js';
export * from './port-lease.js';
export * from './managed-server.js';
export * from './tcp-connect.js';
export * from './circuit-breaker.js';
export type * from './interfaces/managed-link.interface.js';
export * from './managed-link.js';
