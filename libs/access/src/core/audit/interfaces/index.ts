export type * from './audit-trail-options.interface.js';
export type * from './audit-chain.interface.js';
