export type * from './authenticator.interface.js';
export type * from './api-key-store.interface.js';
