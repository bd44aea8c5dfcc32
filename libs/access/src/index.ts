// Public API of @steward/access: authentication, the policy engine, the audit trail, guards and decorators.
export * from './core/interfaces/index.js';
export * from './core/authn/index.js';
export * from './core/policy/index.js';
export * from './core/audit/index.js';
export * from './nest/index.js';
