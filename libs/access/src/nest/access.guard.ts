import { randomUUID } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  extractCredentials,
  findQueryCredential,
  QUERY_CREDENTIAL_PARAMS,
} from '../core/authn/credentials.js';
import type { AuthnFailureReason } from '../core/authn/interfaces/authenticator.interface.js';
import type { AuditEvent } from '../core/interfaces/audit-event.interface.js';
import type { Principal } from '../core/interfaces/principal.interface.js';
import type { ResourceRef } from '../core/interfaces/decision.interface.js';
import { ACCESS_STATE_REQUEST_KEY, PRINCIPAL_REQUEST_KEY } from './access.constants.js';
import { AccessProblemException, type AccessProblemKind } from './access-problem.exception.js';
import { AccessService } from './access.service.js';
import { Public } from './public.decorator.js';
import { RequiresMetadata, type AccessHttpRequest, type Requirement } from './requires.decorator.js';

/** What the guard leaves on the request for the privileged-action interceptor. */
export interface AccessRequestState {
  readonly requestId: string;
  readonly principal: Principal;
  readonly action: string;
  readonly resource: string;
  readonly policyIds: readonly string[];
  readonly sourceIp?: string;
  readonly route: string;
  readonly privileged: boolean;
}

type HttpRequest = AccessHttpRequest & {
  socket?: { remoteAddress?: string };
  route?: { path?: unknown };
  user?: unknown;
  [key: string]: unknown;
};

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** How a route is annotated; handler metadata overrides controller metadata. */
export type RouteAccess =
  { kind: 'public' } | { kind: 'guarded'; requirement: Requirement } | { kind: 'unannotated' };

/** Reads a route's access metadata: handler `@Requires` > handler `@Public` > class `@Requires` > class `@Public`. */
export function routeAccess(reflector: Reflector, handler: object, controller: object): RouteAccess {
  for (const target of [handler, controller]) {
    const requirement = reflector.get(RequiresMetadata, target as () => void);
    if (requirement) return { kind: 'guarded', requirement };
    if (reflector.get(Public, target as () => void)) return { kind: 'public' };
  }
  return { kind: 'unannotated' };
}

/**
 * Default-deny guard, meant for `APP_GUARD`: `@Public()` routes pass; `@Requires(action)` routes need
 * an authenticated principal the policy engine allows; any other route is denied (403).
 * 401 + `WWW-Authenticate` without valid credentials, 403 without the right, 429 + `Retry-After` after
 * repeated failures; every error body is the same generic problem+json.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false; // no credentials to check outside HTTP: deny
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<unknown>();
    const access = routeAccess(this.reflector, context.getHandler(), context.getClass());
    if (access.kind === 'public') return true;

    const base = this.baseEvent(request, context);
    const problem = (kind: AccessProblemKind, headers?: Record<string, string>): never => {
      const exception = new AccessProblemException(kind, {
        typeBase: this.access.options.problemTypeBase,
        headers,
      });
      exception.applyHeaders(response);
      throw exception;
    };

    const queryParam = findQueryCredential(
      request.url ?? '',
      this.access.options.queryCredentialParams ?? QUERY_CREDENTIAL_PARAMS,
    );
    if (queryParam !== undefined) {
      this.access.metrics.authnAttempt('none', 'failure');
      this.access.record({ ...base, type: 'authn.failure', reason: 'credentials-in-query', status: 400 });
      problem('bad-request');
    }

    if (access.kind === 'unannotated') {
      this.access.record({
        ...base,
        type: 'authz.decision',
        decision: 'deny',
        reason: 'no-route-requirement',
        status: 403,
      });
      problem('forbidden');
    }
    const requirement = (access as { requirement: Requirement }).requirement;
    const action = requirement.action;

    const throttle = this.access.throttle;
    const ipKey = `ip:${base.sourceIp ?? 'unknown'}`;
    const lockedOut = (key: string): void => {
      const state = throttle?.check(key);
      if (!state?.locked) return;
      this.access.metrics.authnAttempt('none', 'locked');
      this.access.record({ ...base, type: 'authn.failure', action, reason: 'locked-out', status: 429 });
      problem('throttled', { 'Retry-After': String(Math.max(1, Math.ceil(state.retryAfterMs / 1000))) });
    };
    lockedOut(ipKey);

    const unauthorized = (
      method: string,
      reason: AuthnFailureReason,
      subject?: string,
      count = true,
    ): never => {
      this.access.metrics.authnAttempt(method, reason === 'missing-credentials' ? 'missing' : 'failure');
      if (count && throttle) {
        if (throttle.recordFailure(ipKey)) this.access.metrics.lockout('ip');
        if (subject !== undefined && throttle.recordFailure(`subject:${subject}`))
          this.access.metrics.lockout('subject');
      }
      this.access.record({
        ...base,
        type: 'authn.failure',
        action,
        ...(subject !== undefined && { principal: subject }),
        reason: `${reason} via ${method}`,
        status: 401,
      });
      return problem('unauthorized', { 'WWW-Authenticate': this.access.challenge });
    };

    const extraction = extractCredentials(request.headers, request.user);
    if (!extraction.ok) return unauthorized('none', extraction.reason);
    if (!extraction.present) return unauthorized('none', 'missing-credentials', undefined, false);

    const outcome = await this.access.authenticate(extraction.credentials, {
      ip: base.sourceIp,
      requestId: base.requestId,
    });
    if (outcome.kind === 'unclaimed') return unauthorized('none', 'unsupported-credentials');
    if (outcome.kind === 'failure') return unauthorized(outcome.method, outcome.reason, outcome.subject);
    if (outcome.kind === 'unavailable') {
      this.access.metrics.authnAttempt(outcome.method, 'unavailable');
      this.access.record({
        ...base,
        type: 'authn.failure',
        action,
        reason: `${outcome.reason} via ${outcome.method}`,
        status: 503,
      });
      return problem('unavailable');
    }
    if (outcome.kind !== 'success') return problem('unavailable');
    if (outcome.subject !== undefined) {
      lockedOut(`subject:${outcome.subject}`);
      throttle?.reset(`subject:${outcome.subject}`);
    }
    const principal = outcome.principal;
    this.access.metrics.authnAttempt(outcome.principal.authMethod, 'success');
    request[PRINCIPAL_REQUEST_KEY] = principal;

    const resource = resolveResource(requirement, action, request);
    const started = performance.now();
    const decision = resource
      ? this.access.decide({
          principal,
          action,
          resource,
          context: {
            ip: base.sourceIp,
            time: base.time,
            method: request.method,
            route: base.route,
            requestId: base.requestId,
          },
        })
      : {
          allowed: false,
          reason: 'evaluation-error' as const,
          policyIds: [],
          policyVersion: this.access.engine.version,
        };
    const seconds = (performance.now() - started) / 1000;
    const resourceType = resource?.type ?? 'unknown';
    this.access.metrics.decision(action, resourceType, decision.allowed, seconds);
    const resourceLabel = resource
      ? resource.id !== undefined
        ? `${resource.type}:${resource.id}`
        : resource.type
      : undefined;
    this.access.record({
      ...base,
      type: 'authz.decision',
      principal: principal.id,
      action,
      ...(resourceLabel !== undefined && { resource: resourceLabel }),
      decision: decision.allowed ? 'allow' : 'deny',
      policyIds: decision.policyIds,
      reason: resource ? decision.reason : 'resource-error',
      ...(!decision.allowed && { status: 403 }),
    });
    if (!decision.allowed) return problem('forbidden');

    const state: AccessRequestState = {
      requestId: base.requestId,
      principal,
      action,
      resource: resourceLabel ?? resourceType,
      policyIds: decision.policyIds,
      ...(base.sourceIp !== undefined && { sourceIp: base.sourceIp }),
      route: base.route,
      privileged: requirement.privileged === true,
    };
    request[ACCESS_STATE_REQUEST_KEY] = state;
    return true;
  }

  private baseEvent(
    request: HttpRequest,
    context: ExecutionContext,
  ): AuditEvent & { requestId: string; route: string } {
    const header = request.headers[this.access.options.requestIdHeader ?? 'x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    const routePath = request.route?.path;
    const route =
      typeof routePath === 'string'
        ? `${request.method ?? 'GET'} ${routePath}`
        : `${context.getClass().name}.${context.getHandler().name}`;
    const sourceIp = request.ip ?? request.socket?.remoteAddress;
    return {
      time: new Date().toISOString(),
      type: 'authz.decision',
      requestId,
      route,
      ...(sourceIp !== undefined && { sourceIp }),
    };
  }
}

/** The route's resource: static, derived from the request, or `{ type: <action prefix> }`; undefined when that fails. */
function resolveResource(
  requirement: Requirement,
  action: string,
  request: HttpRequest,
): ResourceRef | undefined {
  let resource: unknown;
  try {
    const spec = requirement.resource;
    resource = typeof spec === 'function' ? spec(request) : (spec ?? { type: action.split(':')[0] });
  } catch {
    return undefined; // a resource function that throws on odd input denies, it never 500s
  }
  if (resource === null || typeof resource !== 'object') return undefined;
  const { type, id, attributes } = resource as Record<string, unknown>;
  if (typeof type !== 'string' || type.length === 0) return undefined;
  if (id !== undefined && typeof id !== 'string') return undefined;
  if (attributes !== undefined && (attributes === null || typeof attributes !== 'object')) return undefined;
  return resource as ResourceRef;
}
