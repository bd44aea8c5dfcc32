// @steward/access/jwt: JWT bearer authentication through jose (an optional peer, loaded only from here).
export * from './core/authn/jwt.authenticator.js';
