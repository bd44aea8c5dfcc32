export * from './core/steward.error.js';
export * from './core/backoff.js';
export * from './core/clock.js';
export * from './core/secret.js';
export * from './core/option.errors.js';
export * from './core/abort.js';
export * from './core/validate-options.js';
