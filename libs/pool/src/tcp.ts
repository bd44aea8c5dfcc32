// @steward/pool/tcp: raw TCP sockets.
export * from './adapters/tcp.factory.js';
export type * from './adapters/interfaces/tcp-factory-options.interface.js';
