export type * from './access-options.interface.js';
