import { HttpException } from '@nestjs/common';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '@steward/common';
import { ACCESS_MESSAGES } from './access.messages.js';

/** The kinds of access problems, each with one fixed body. */
export type AccessProblemKind =
  | 'unauthorized'
  | 'forbidden'
  | 'throttled'
  | 'bad-request'
  | 'ambiguous-credentials'
  | 'unavailable'
  | 'audit-unavailable';

const PROBLEMS: Record<AccessProblemKind, { status: number; title: string; detail: string; slug: string }> = {
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    detail: ACCESS_MESSAGES.unauthorized,
    slug: 'unauthorized',
  },
  forbidden: { status: 403, title: 'Forbidden', detail: ACCESS_MESSAGES.forbidden, slug: 'forbidden' },
  throttled: {
    status: 429,
    title: 'Too Many Requests',
    detail: ACCESS_MESSAGES.tooManyAttempts,
    slug: 'throttled',
  },
  'bad-request': {
    status: 400,
    title: 'Bad Request',
    detail: ACCESS_MESSAGES.queryCredentials,
    slug: 'credentials-in-query',
  },
  'ambiguous-credentials': {
    status: 400,
    title: 'Bad Request',
    detail: ACCESS_MESSAGES.ambiguousCredentials,
    slug: 'ambiguous-credentials',
  },
  unavailable: {
    status: 503,
    title: 'Service Unavailable',
    detail: ACCESS_MESSAGES.unavailable,
    slug: 'unavailable',
  },
  'audit-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    detail: ACCESS_MESSAGES.auditUnavailable,
    slug: 'audit-unavailable',
  },
};

/**
 * An access failure carrying its problem body and the headers to send (`WWW-Authenticate`,
 * `Retry-After`). The body never depends on why a credential failed: unknown, revoked and malformed
 * keys all read the same, so a caller learns nothing by probing.
 */
export class AccessProblemException extends HttpException {
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly kind: AccessProblemKind,
    options: { typeBase?: string; headers?: Record<string, string> } = {},
  ) {
    const problem = PROBLEMS[kind];
    const body: ProblemDetails = {
      type: options.typeBase ? `${options.typeBase.replace(/\/$/, '')}/${problem.slug}` : 'about:blank',
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
    };
    super(body, problem.status);
    this.headers = { 'Content-Type': PROBLEM_CONTENT_TYPE, ...options.headers };
  }

  /** Puts the headers on a Node/Express response before Nest's exception filter writes the body. */
  applyHeaders(response: unknown): void {
    const res = response as { setHeader?: (name: string, value: string) => void; headersSent?: boolean };
    if (typeof res?.setHeader !== 'function' || res.headersSent) return;
    for (const [name, value] of Object.entries(this.headers)) res.setHeader(name, value);
  }
}
