// @steward/access/core: authentication, the policy engine and the audit trail; no Nest. JWT is on @steward/access/jwt.
export * from './core/interfaces/index.js';
export * from './core/authn/index.js';
export * from './core/policy/index.js';
export * from './core/audit/index.js';
