import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import { OptionChecker, Secret } from '@steward/common';
import type { Principal } from '../interfaces/principal.interface.js';
import { checkNamespace } from './api-key.js';
import { AUTHN_MESSAGES } from './authn.messages.js';
import type {
  Authenticator,
  AuthnContext,
  AuthnFailureReason,
  AuthnResult,
  Credentials,
} from './interfaces/authenticator.interface.js';

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
/** Largest clock tolerance accepted: a minute of skew covers real clocks without reviving old tokens. */
export const JWT_MAX_CLOCK_TOLERANCE_SEC = 60;
/** The shortest HMAC secret accepted (HS256 wants at least 256 bits). */
export const JWT_HMAC_SECRET_MIN_LENGTH = 32;
const MAX_TOKEN_LENGTH = 8_192;
const DEFAULT_TYPES = ['JWT', 'at+jwt'];
/** The longest `maxTokenAgeSec` accepted: 30 days. */
export const JWT_MAX_TOKEN_AGE_SEC = 30 * 86_400;
const METHOD = 'jwt';

/** Options of `JwtAuthenticator`: one of `key` or `jwksUrl`. */
export interface JwtAuthenticatorOptions {
  /** Accepted `iss` values; the claim is required. */
  issuer: string | string[];
  /** Accepted `aud` values; the claim is required. */
  audience: string | string[];
  /** Algorithm allow-list; 'none' is refused. */
  algorithms: string[];
  /** A local verification key: a public `KeyObject`/`CryptoKey`, or a `Secret` for HS*. */
  key?: KeyObject | CryptoKey | Secret;
  /** A JWKS endpoint; keys are fetched on demand and refetched when an unknown `kid` shows up. */
  jwksUrl?: string;
  /** JWKS fetch timeout (default 5 000 ms). */
  jwksTimeoutMs?: number;
  /** Minimum time between two JWKS fetches (default 30 000 ms), so unknown `kid`s cannot hammer the issuer. */
  jwksCooldownMs?: number;
  /** How long a fetched JWKS is trusted (default 10 min). */
  jwksCacheMaxAgeMs?: number;
  /** Clock skew allowed on exp/nbf/iat, 0–60 s (default 30); an `iat` further in the future is refused. */
  clockToleranceSec?: number;
  /**
   * Longest a token is accepted after its `iat`, whatever its `exp` (default 86 400 s); `iat` is
   * required. A stolen long-lived token stops working at this age.
   */
  maxTokenAgeSec?: number;
  /**
   * Accepted `typ` header values, compared without case and without an `application/` prefix
   * (default ['JWT', 'at+jwt']); a token of another type (an ID token, a logout token, a DPoP proof)
   * or without `typ` is refused. `false` accepts any type.
   */
  types?: string[] | false;
  /** Claim holding the roles: an array of strings or a space-separated string (default 'roles'). */
  rolesClaim?: string;
  /** Claim holding the tenant (default 'tenant'). */
  tenantClaim?: string;
  /** Claims copied into `principal.attributes` (default none besides `iss`). */
  attributeClaims?: string[];
  /**
   * Principals are `<namespace>:<sub>` (default 'jwt'), apart from other authenticators' ids; give each
   * issuer its own namespace when several issuers share this authenticator's audience.
   */
  namespace?: string;
}

/** Verifies `Authorization: Bearer <jwt>` with `jose`: allow-listed algorithms, required iss/aud/exp/sub. */
export class JwtAuthenticator implements Authenticator {
  readonly method = METHOD;
  readonly scheme = 'Bearer';
  private readonly verifyKey: KeyObject | CryptoKey | Uint8Array | JWTVerifyGetKey;
  private readonly remote: boolean;

  constructor(private readonly options: JwtAuthenticatorOptions) {
    validate(options);
    this.remote = options.jwksUrl !== undefined;
    if (options.jwksUrl !== undefined) {
      this.verifyKey = createRemoteJWKSet(new URL(options.jwksUrl), {
        timeoutDuration: options.jwksTimeoutMs ?? 5_000,
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
      });
    } else if (options.key instanceof Secret) {
      this.verifyKey = new TextEncoder().encode(options.key.reveal());
    } else {
      this.verifyKey = options.key!;
    }
  }

  async authenticate(credentials: Credentials, _context?: AuthnContext): Promise<AuthnResult> {
    const token = credentials.bearer;
    if (token === undefined || !looksLikeJwt(token)) return { kind: 'no-credentials' };
    if (token.length > MAX_TOKEN_LENGTH) return this.fail('malformed');
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, this.verifyKey as Uint8Array, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.options.algorithms,
        clockTolerance: this.options.clockToleranceSec ?? 30,
        // Also refuses an iat in the future beyond the tolerance.
        maxTokenAge: this.options.maxTokenAgeSec ?? 86_400,
        requiredClaims: ['iss', 'aud', 'exp', 'sub', 'iat'],
      });
      if (!this.typeAccepted(verified.protectedHeader.typ)) return this.fail('claim-invalid');
      payload = verified.payload;
    } catch (error) {
      return this.classify(error);
    }
    const principal = this.toPrincipal(payload);
    return principal ? { kind: 'success', principal } : this.fail('claim-invalid');
  }

  private typeAccepted(typ: unknown): boolean {
    const types = this.options.types ?? DEFAULT_TYPES;
    if (types === false) return true;
    return typeof typ === 'string' && types.some((t) => normalizeType(t) === normalizeType(typ));
  }

  private toPrincipal(payload: JWTPayload): Principal | undefined {
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) return undefined;
    const rawRoles = payload[this.options.rolesClaim ?? 'roles'];
    let roles: string[];
    if (rawRoles === undefined) roles = [];
    else if (typeof rawRoles === 'string') roles = rawRoles.split(' ').filter(Boolean);
    else if (Array.isArray(rawRoles) && rawRoles.every((r) => typeof r === 'string')) roles = [...rawRoles];
    else return undefined;
    const tenant = payload[this.options.tenantClaim ?? 'tenant'];
    if (tenant !== undefined && typeof tenant !== 'string') return undefined;
    const attributes: Record<string, unknown> = { iss: payload.iss };
    for (const claim of this.options.attributeClaims ?? []) {
      if (Object.hasOwn(payload, claim)) attributes[claim] = payload[claim];
    }
    return {
      id: `${this.options.namespace ?? METHOD}:${sub}`,
      roles,
      ...(tenant !== undefined && { tenant }),
      attributes,
      authMethod: METHOD,
    };
  }

  private classify(error: unknown): AuthnResult {
    if (error instanceof errors.JWTExpired) return this.fail('expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      return this.fail(error.claim === 'nbf' ? 'not-yet-valid' : 'claim-invalid');
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) return this.fail('bad-signature');
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
      return this.fail('alg-not-allowed');
    }
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return this.fail('unknown-signing-key');
    }
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid)
      return this.fail('malformed');
    // A JWKS that times out, cannot be reached or is garbage says nothing about the token.
    if (this.remote) return { kind: 'unavailable', method: METHOD, reason: 'verifier-unavailable' };
    return this.fail('malformed');
  }

  private fail(reason: AuthnFailureReason): AuthnResult {
    return { kind: 'failure', method: METHOD, reason };
  }
}

/** `application/at+jwt` and `AT+JWT` are `at+jwt` (RFC 8725 §3.11: media types without the prefix, any case). */
function normalizeType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function looksLikeJwt(token: string): boolean {
  const first = token.indexOf('.');
  return first > 0 && token.indexOf('.', first + 1) > first;
}

function validate(options: JwtAuthenticatorOptions): void {
  const checker = new OptionChecker('JWT authenticator');
  const nonEmpty = (v: unknown) =>
    (typeof v === 'string' && v.length > 0) ||
    (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0));
  if (!nonEmpty(options.issuer)) checker.add('issuer', 'must be a non-empty string or array of strings');
  if (!nonEmpty(options.audience)) checker.add('audience', 'must be a non-empty string or array of strings');
  const algorithms = Array.isArray(options.algorithms) ? options.algorithms : [];
  if (algorithms.length === 0) checker.add('algorithms', 'must be a non-empty array');
  if (algorithms.some((a) => typeof a === 'string' && a.toLowerCase() === 'none')) {
    checker.add('algorithms', AUTHN_MESSAGES.noneAlgorithm);
  }
  const unknown = algorithms.filter(
    (a) =>
      typeof a !== 'string' ||
      (a.toLowerCase() !== 'none' && !HMAC_ALGORITHMS.includes(a) && !ASYMMETRIC_ALGORITHMS.includes(a)),
  );
  if (unknown.length > 0) checker.add('algorithms', `unsupported: ${unknown.map(String).join(', ')}`);
  if ((options.key === undefined) === (options.jwksUrl === undefined))
    checker.add('key', AUTHN_MESSAGES.keyOrJwks);
  if (options.key instanceof Secret) {
    if (options.key.reveal().length < JWT_HMAC_SECRET_MIN_LENGTH) {
      checker.add('key', `must be a Secret of at least ${JWT_HMAC_SECRET_MIN_LENGTH} characters`);
    }
    if (algorithms.some((a) => !HMAC_ALGORITHMS.includes(a))) {
      checker.add('algorithms', 'a Secret key only verifies HS256/HS384/HS512');
    }
  } else if (algorithms.some((a) => HMAC_ALGORITHMS.includes(a))) {
    // A public key must never double as an HMAC secret (the classic RS256→HS256 confusion).
    checker.add('algorithms', 'HS* algorithms need a Secret key');
  }
  if (options.key !== undefined && typeof options.key === 'string')
    checker.add('key', 'must be a Secret, not a string');
  if (options.jwksUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(options.jwksUrl);
    } catch {
      checker.add('jwksUrl', 'must be an absolute URL');
    }
    if (url && url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      checker.add('jwksUrl', 'must use https (http only for loopback)');
    }
  }
  checker.integer('jwksTimeoutMs', options.jwksTimeoutMs, 1, 60_000);
  checker.integer('jwksCooldownMs', options.jwksCooldownMs, 0, 3_600_000);
  checker.integer('jwksCacheMaxAgeMs', options.jwksCacheMaxAgeMs, 0, 86_400_000);
  checker.number('clockToleranceSec', options.clockToleranceSec, 0, JWT_MAX_CLOCK_TOLERANCE_SEC);
  checkNamespace(checker, options.namespace);
  checker.integer('maxTokenAgeSec', options.maxTokenAgeSec, 1, JWT_MAX_TOKEN_AGE_SEC);
  if (
    options.types !== undefined &&
    options.types !== false &&
    !(
      Array.isArray(options.types) &&
      options.types.length > 0 &&
      options.types.every((t) => typeof t === 'string' && t.length > 0)
    )
  ) {
    checker.add('types', 'must be a non-empty array of strings, or false');
  }
  checker.throwIfAny();
}

/** Shorthand for `new JwtAuthenticator(options)`. */
export function jwt(options: JwtAuthenticatorOptions): JwtAuthenticator {
  return new JwtAuthenticator(options);
}
