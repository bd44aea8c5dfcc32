export type * from './interfaces/lifecycle-unit.interface.js';
export type * from './interfaces/managed-process-options.interface.js';
export * from './state/lifecycle.state.js';
export * from './state/lifecycle.errors.js';
export * from './state/state-machine.js';
export * from './manager/lifecycle-manager.js';
export * from './process/exit-classification.js';
export * from './process/process.errors.js';
export * from './process/managed-process.js';
