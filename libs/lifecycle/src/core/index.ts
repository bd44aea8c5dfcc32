export type * from './interfaces/lifecycle-unit.interface.js';
