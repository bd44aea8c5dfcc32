export type * from './interfaces/resource-factory.interface.js';
