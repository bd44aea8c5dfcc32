export type * from './principal.interface.js';
export type * from './decision.interface.js';
export type * from './audit-event.interface.js';
