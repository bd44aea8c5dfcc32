export type * from './interfaces/index.js';
export * from './authn.errors.js';
export * from './api-key.js';
export * from './in-memory-api-key.store.js';
export * from './api-key.authenticator.js';
export * from './upstream-principal.authenticator.js';
export * from './credentials.js';
export * from './failure-throttle.js';
export * from './authn-throttle.js';
