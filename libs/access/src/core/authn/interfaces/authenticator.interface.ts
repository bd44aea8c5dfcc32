import type { Principal } from '../../interfaces/principal.interface.js';

/** What a request presented, already taken out of its headers. Never logged. */
export interface Credentials {
  /** The token of `Authorization: Bearer <token>`. */
  readonly bearer?: string;
  /** The key of `Authorization: ApiKey <key>` or `X-API-Key: <key>`. */
  readonly apiKey?: string;
  /** A principal set by an upstream guard or middleware (`request.user`), still unvalidated. */
  readonly upstream?: unknown;
}

/** Facts about the request an authenticator may use; nothing secret. */
export interface AuthnContext {
  readonly ip?: string;
  readonly requestId?: string;
}

/** Stable reason codes of a failed authentication. */
export type AuthnFailureReason =
  | 'missing-credentials'
  | 'malformed'
  | 'unknown-key'
  | 'invalid-key'
  | 'revoked'
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature'
  | 'alg-not-allowed'
  | 'claim-invalid'
  | 'unknown-signing-key'
  | 'invalid-principal'
  | 'ambiguous-credentials'
  | 'unsupported-credentials';

/** The credentials are not of this authenticator's kind: the next one is asked. */
export interface AuthnNoCredentials {
  readonly kind: 'no-credentials';
}

/** The credentials are valid. */
export interface AuthnSuccess {
  readonly kind: 'success';
  readonly principal: Principal;
  /** The same throttling handle a failure with these credentials would carry, so a locked-out key stays locked. */
  readonly subject?: string;
}

/** The credentials are this authenticator's kind and are not valid. */
export interface AuthnFailure {
  readonly kind: 'failure';
  readonly method: string;
  readonly reason: AuthnFailureReason;
  /** A non-secret handle to throttle on (an API key id, a principal id); never the secret itself. */
  readonly subject?: string;
}

/** The authenticator could not decide (e.g. the JWKS endpoint is down): a 503, never a 401 or a 500. */
export interface AuthnUnavailable {
  readonly kind: 'unavailable';
  readonly method: string;
  readonly reason: 'verifier-unavailable';
}

/** The outcome of one authenticator. */
export type AuthnResult = AuthnNoCredentials | AuthnSuccess | AuthnFailure | AuthnUnavailable;

/** Turns credentials into a principal. Never throws for bad input: a bad credential is a `failure`. */
export interface Authenticator {
  /** Short method name used in metrics and audit events: 'api-key', 'jwt', 'upstream'. */
  readonly method: string;
  /** The `WWW-Authenticate` challenge scheme this authenticator answers to, e.g. 'Bearer' or 'ApiKey'. */
  readonly scheme?: string;
  /** May answer synchronously (no I/O needed): the guard then decides without a Promise. */
  authenticate(credentials: Credentials, context: AuthnContext): AuthnResult | Promise<AuthnResult>;
  /**
   * The throttling handle (`subject`) these credentials would carry, read without checking them (an
   * API key's id): a throttled pair is then refused before any check, so the right and a wrong secret
   * cost and answer the same.
   */
  subjectOf?(credentials: Credentials): string | undefined;
}
