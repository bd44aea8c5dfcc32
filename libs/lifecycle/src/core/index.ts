export type * from './interfaces/lifecycle-unit.interface.js';
export * from './state/lifecycle.state.js';
export * from './state/lifecycle.errors.js';
export * from './state/state-machine.js';
export * from './manager/lifecycle-manager.js';
