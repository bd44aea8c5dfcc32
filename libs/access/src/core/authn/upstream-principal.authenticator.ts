import { OptionChecker } from '@steward/common';
import type { Principal } from '../interfaces/principal.interface.js';
import { checkNamespace } from './api-key.js';
import type {
  Authenticator,
  AuthnContext,
  AuthnResult,
  Credentials,
} from './interfaces/authenticator.interface.js';

/** Options of `UpstreamPrincipalAuthenticator`. */
export interface UpstreamPrincipalAuthenticatorOptions {
  /** Maps what the upstream guard set into a principal shape (default: taken as is). */
  map?: (user: unknown) => unknown;
  /** `authMethod` of the principals it produces (default 'upstream'). */
  authMethod?: string;
  /** Principals are `<namespace>:<id>` (default: the `authMethod`), apart from other authenticators' ids. */
  namespace?: string;
}

const METHOD = 'upstream';
const MAX_ID = 256;
const MAX_ROLES = 64;

/**
 * Accepts a principal another guard or middleware already established (`request.user`, e.g. Passport),
 * after checking its shape: a trusted upstream can still hand over something malformed.
 */
export class UpstreamPrincipalAuthenticator implements Authenticator {
  readonly method = METHOD;

  constructor(private readonly options: UpstreamPrincipalAuthenticatorOptions = {}) {
    const checker = new OptionChecker('upstream principal authenticator');
    checkNamespace(checker, options.namespace ?? options.authMethod);
    checker.throwIfAny();
  }

  authenticate(credentials: Credentials, _context?: AuthnContext): Promise<AuthnResult> {
    if (credentials.upstream === undefined || credentials.upstream === null) {
      return Promise.resolve({ kind: 'no-credentials' });
    }
    let candidate: unknown;
    try {
      candidate = this.options.map ? this.options.map(credentials.upstream) : credentials.upstream;
    } catch {
      candidate = undefined;
    }
    const authMethod = this.options.authMethod ?? METHOD;
    const principal = toPrincipal(candidate, authMethod, this.options.namespace ?? authMethod);
    if (!principal) return Promise.resolve({ kind: 'failure', method: METHOD, reason: 'invalid-principal' });
    return Promise.resolve({ kind: 'success', principal });
  }
}

/** A validated, frozen copy of `value` as a principal `<namespace>:<id>`, or `undefined` when its shape is wrong. */
export function toPrincipal(
  value: unknown,
  authMethod: string,
  namespace = authMethod,
): Principal | undefined {
  // Any object (Passport users are often class instances); only the four fields below are read.
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { id, roles, tenant, attributes } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) return undefined;
  const roleList = roles === undefined ? [] : roles;
  if (
    !Array.isArray(roleList) ||
    roleList.length > MAX_ROLES ||
    !roleList.every((r) => typeof r === 'string' && r.length > 0 && r.length <= MAX_ID)
  ) {
    return undefined;
  }
  if (tenant !== undefined && (typeof tenant !== 'string' || tenant.length > MAX_ID)) return undefined;
  if (attributes !== undefined && !isPlainObject(attributes)) return undefined;
  return Object.freeze({
    id: `${namespace}:${id}`,
    roles: Object.freeze([...(roleList as string[])]),
    ...(tenant !== undefined && { tenant }),
    attributes: Object.freeze({ ...(attributes ?? {}) }),
    authMethod,
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Shorthand for `new UpstreamPrincipalAuthenticator(options)`. */
export function upstreamPrincipal(
  options: UpstreamPrincipalAuthenticatorOptions = {},
): UpstreamPrincipalAuthenticator {
  return new UpstreamPrincipalAuthenticator(options);
}
