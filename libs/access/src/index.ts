// Public API of @steward/access: the core (authentication, policies, audit) and the Nest face (module, guard,
// decorators). JWT support is on its own subpath, @steward/access/jwt, so jose loads only where it is used.
export * from './core.js';
export * from './nest/index.js';
