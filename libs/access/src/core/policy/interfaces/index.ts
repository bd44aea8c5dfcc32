export type * from './policy-definition.interface.js';
export type * from './policy-engine-options.interface.js';
