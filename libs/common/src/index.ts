// Public API of @steward/common: errors, backoff + jitter, clocks, Secret, abort helpers, problem+json.
// Option validation (class-validator) lives on its own subpath, @steward/common/validation.
export * from './core/steward.error.js';
export * from './core/backoff.js';
export * from './core/clock.js';
export * from './core/secret.js';
export * from './core/option.errors.js';
export * from './core/abort.js';
export * from './core/optional-peer.js';
export * from './core/optional-peer.errors.js';
export * from './core/problem-response.js';
