// @steward/common/validation: option validation with class-validator, loaded only by the Nest modules.
export * from './core/validate-options.js';
