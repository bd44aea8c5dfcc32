import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import {
  extractCredentials,
  findQueryCredential,
  QUERY_CREDENTIAL_PARAMS,
} from '../core/authn/credentials.js';
import type { ThrottleScope } from '../core/authn/authn-throttle.js';
import type { ThrottleState } from '../core/authn/failure-throttle.js';
import type { AuthnFailureReason } from '../core/authn/interfaces/authenticator.interface.js';
import type { Principal } from '../core/interfaces/principal.interface.js';
import type { ResourceRef } from '../core/interfaces/decision.interface.js';
import { uidFromJson } from '../core/cedar/cedar-value.js';
import type { CedarDecision } from '../core/policy/cedar-policy-engine.js';
import { ACCESS_STATE_REQUEST_KEY, PRINCIPAL_REQUEST_KEY } from './access.constants.js';
import { AccessProblemException, type AccessProblemKind } from './access-problem.exception.js';
import { AccessService, type AuthnOutcome } from './access.service.js';
import { CallFacts, GrantedAccess, GuardedCall, type GuardedHttpRequest } from './guarded-call.js';
import { PrivilegedActionInterceptor } from './privileged-action.interceptor.js';
import { Public } from './public.decorator.js';
import { RequiresMetadata, type Requirement } from './requires.decorator.js';

/** What the guard leaves on a granted request (`ACCESS_STATE_REQUEST_KEY`), read by the privileged-action interceptor. */
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

/** A route's access metadata, read once; `unaudited`: privileged without the interceptor that audits it. */
interface RouteEntry {
  readonly controller: object;
  readonly access: RouteAccess;
  readonly unaudited: boolean;
  labelled?: { readonly path: string; readonly method: string; readonly label: string };
}

const DENY_WITHOUT_RESOURCE = { allowed: false, reason: 'evaluation-error', policyIds: [] } as const;

/**
 * Default-deny guard, meant for `APP_GUARD`: `@Public()` routes pass; `@Requires(action)` routes need
 * an authenticated principal the policy engine allows; any other route is denied (403).
 * 401 + `WWW-Authenticate` without valid credentials, 403 without the right, 400 for ambiguous
 * credentials, 429 + `Retry-After` after repeated failures (see `AuthnThrottle`); every error body is
 * the same generic problem+json.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly routes = new WeakMap<object, RouteEntry>();
  private readonly requestIdHeader: string;

  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
  ) {
    this.requestIdHeader = access.options.requestIdHeader ?? 'x-request-id';
  }

  /** Synchronous when the authenticators answer synchronously (API keys in memory): no Promise per request. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return false; // no credentials to check outside HTTP: deny
    const handler = context.getHandler();
    const controller = context.getClass();
    const route = this.routeOf(handler, controller);
    const access = route.access;
    if (access.kind === 'public') return true;

    const call = this.describe(
      context,
      route,
      handler,
      controller,
      access.kind === 'guarded' ? access.requirement.action : undefined,
    );
    this.refuseQueryCredentials(call);
    if (access.kind === 'unannotated') {
      this.access.record({
        ...call.auditBase(),
        decision: 'deny',
        reason: 'no-route-requirement',
        status: 403,
      });
      return this.fail(call, 'forbidden');
    }
    const requirement = access.requirement;
    if (route.unaudited) {
      // Privileged metadata set without `@Requires` has no interceptor to audit it: fail closed.
      this.access.record({
        ...call.auditBase(),
        action: call.action,
        decision: 'deny',
        reason: 'privileged-unaudited',
        status: 503,
      });
      return this.fail(call, 'audit-unavailable');
    }
    const principal = this.authenticate(call);
    if (isPromiseLike(principal)) {
      return Promise.resolve(principal).then((settled) => {
        this.authorize(call, requirement, settled);
        return true;
      });
    }
    this.authorize(call, requirement, principal);
    return true;
  }

  /**
   * `routeAccess` once per handler: metadata is fixed at bootstrap, so reading it per request is waste.
   * Keyed by handler; a handler shared by two controllers (inheritance) is checked against its controller.
   */
  private routeOf(handler: object, controller: object): RouteEntry {
    const cached = this.routes.get(handler);
    if (cached?.controller === controller) return cached;
    const access = routeAccess(this.reflector, handler, controller);
    const entry: RouteEntry = {
      controller,
      access,
      unaudited:
        access.kind === 'guarded' &&
        access.requirement.privileged === true &&
        ![handler, controller].some((target) =>
          ((Reflect.getMetadata(INTERCEPTORS_METADATA, target) as unknown[] | undefined) ?? []).includes(
            PrivilegedActionInterceptor,
          ),
        ),
    };
    if (cached === undefined) this.routes.set(handler, entry);
    return entry;
  }

  private authenticate(call: GuardedCall): Principal | Promise<Principal> {
    const request = call.request;
    // Fastify's request keeps Node's header lines on `raw`: without them a repeated header goes unseen.
    const rawHeaders = request.rawHeaders ?? request.raw?.rawHeaders;
    const extraction = extractCredentials(request.headers, request.user, rawHeaders);
    if (!extraction.ok) return this.failed(call, 'none', extraction.reason);
    if (!extraction.present) return this.failed(call, 'none', 'missing-credentials');
    // A throttled pair is refused before any check: no HMAC to spend, and no timing to tell right from wrong.
    if (this.access.throttle?.tracksPairs) {
      this.refuseThrottledPair(call, this.access.subjectOf(extraction.credentials));
    }

    const outcome = this.access.authenticate(extraction.credentials, new CallFacts(call));
    return isPromiseLike(outcome)
      ? Promise.resolve(outcome).then((settled) => this.settle(call, settled))
      : this.settle(call, outcome);
  }

  private settle(call: GuardedCall, outcome: AuthnOutcome): Principal {
    switch (outcome.kind) {
      case 'unclaimed':
        return this.failed(call, 'none', 'unsupported-credentials');
      case 'failure':
        this.refuseThrottledPair(call, outcome.subject);
        return this.failed(call, outcome.method, outcome.reason, outcome.subject);
      case 'success':
        // Checked after the answer, so the right and a wrong secret get the same 429 from a throttled pair.
        this.refuseThrottledPair(call, outcome.subject);
        if (outcome.subject !== undefined && this.access.throttle?.tracksPairs) {
          this.access.throttle.succeeded(outcome.subject, call.ipKey);
        }
        this.access.metrics.authnAttempt(outcome.principal.authMethod, 'success');
        call.request[PRINCIPAL_REQUEST_KEY] = outcome.principal;
        return outcome.principal;
      default:
        this.access.metrics.authnAttempt(outcome.method, 'unavailable');
        this.access.record({
          ...call.auditBase(),
          type: 'authn.failure',
          action: call.action,
          reason: `${outcome.reason} via ${outcome.method}`,
          authMethod: outcome.method,
          status: 503,
        });
        return this.fail(call, 'unavailable');
    }
  }

  /**
   * A failed authentication: 401 with the one generic body (400 for ambiguous credentials). Counted
   * against the source and the credential's subject. A request without credentials is counted but not
   * audited (a browser without a key is not an attack, and one line each is a log flood); a source
   * already throttled gets 429 and no audit line per request: its throttle was audited when it began.
   */
  private failed(call: GuardedCall, method: string, reason: AuthnFailureReason, subject?: string): never {
    const throttle = this.access.throttle;
    if (throttle) {
      const source = throttle.source(call.ipKey);
      for (const scope of throttle.failed(call.ipKey, subject)) this.throttleStarted(call, scope, subject);
      if (source.locked) return this.throttled(call, source);
    }
    const missing = reason === 'missing-credentials';
    const ambiguous = reason === 'ambiguous-credentials';
    this.access.metrics.authnAttempt(method, missing ? 'missing' : ambiguous ? 'ambiguous' : 'failure');
    if (!missing) {
      this.access.record({
        ...call.auditBase(),
        type: 'authn.failure',
        action: call.action,
        ...(subject !== undefined && { principal: subject }),
        reason: `${reason} via ${method}`,
        ...(method !== 'none' && { authMethod: method }),
        status: ambiguous ? 400 : 401,
      });
    }
    if (ambiguous) return this.fail(call, 'ambiguous-credentials');
    return this.fail(call, 'unauthorized', { 'WWW-Authenticate': this.access.challenge });
  }

  /** 429 while the pair (credential subject, source) is throttled, whatever the credential's verdict. */
  private refuseThrottledPair(call: GuardedCall, subject: string | undefined): void {
    // While no pair has failed, nothing can be throttled: no address to read on the hot path.
    if (subject === undefined || !this.access.throttle?.tracksPairs) return;
    const state = this.access.throttle.pair(subject, call.ipKey);
    if (state.locked) this.throttled(call, state);
  }

  private throttled(call: GuardedCall, state: ThrottleState & { locked: true }): never {
    this.access.metrics.authnAttempt('none', 'locked');
    return this.fail(call, 'throttled', {
      'Retry-After': String(Math.max(1, Math.ceil(state.retryAfterMs / 1000))),
    });
  }

  /** One audit event and one metric when a throttle starts, instead of one per refused request. */
  private throttleStarted(call: GuardedCall, scope: ThrottleScope, subject?: string): void {
    this.access.metrics.lockout(scope);
    this.access.record({
      ...call.auditBase(),
      type: 'authn.failure',
      action: call.action,
      ...(scope === 'key' && subject !== undefined && { principal: subject }),
      reason: scope === 'key' ? 'throttled: key id from this source' : 'throttled: source',
      status: 429,
    });
  }

  private authorize(call: GuardedCall, requirement: Requirement, principal: Principal): void {
    const action = requirement.action;
    const resource = resolveResource(requirement, action, call.request);
    const started = this.access.metrics.startEvaluation();
    // Most policy sets never look at the context; then the request id, address and time go unread.
    const decision = !resource
      ? DENY_WITHOUT_RESOURCE
      : this.access.contextUnread
        ? this.access.decide({ principal, action, resource })
        : this.access.decide({ principal, action, resource, context: call.policyContext() });
    this.access.metrics.decision(
      action,
      resource?.type ?? 'unknown',
      decision.allowed,
      this.access.metrics.evaluationSeconds(started),
    );
    const resourceLabel =
      resource && (resource.id !== undefined ? `${resource.type}:${resource.id}` : resource.type);
    // Building the event costs a spread per request; without a trail nobody would read it.
    if (this.access.audit) {
      // Cedar engines name the policies that errored (skipped) for this request; the trail keeps them.
      const { erroredPolicyIds: errored, requestError } = decision as Partial<CedarDecision>;
      this.access.record({
        ...call.auditBase(),
        type: 'authz.decision',
        principal: principal.id,
        authMethod: principal.authMethod,
        action,
        ...(resourceLabel && { resource: resourceLabel }),
        decision: decision.allowed ? 'allow' : 'deny',
        policyIds: decision.policyIds,
        ...(errored !== undefined && errored.length > 0 && { erroredPolicyIds: errored }),
        // Why Cedar refused the request itself (types and attribute names, never values).
        ...(requestError !== undefined && { requestError }),
        reason: resource ? decision.reason : 'resource-error',
        ...(!decision.allowed && { status: 403 }),
      });
    }
    if (!decision.allowed) this.fail(call, 'forbidden');

    const state: AccessRequestState = new GrantedAccess(
      call,
      principal,
      action,
      resourceLabel ?? 'unknown',
      decision.policyIds,
      requirement.privileged === true,
    );
    call.request[ACCESS_STATE_REQUEST_KEY] = state;
  }

  /** 400 for a credential-looking query parameter, even next to valid headers: it already leaked into logs. */
  private refuseQueryCredentials(call: GuardedCall): void {
    const names = this.access.options.queryCredentialParams ?? QUERY_CREDENTIAL_PARAMS;
    if (findQueryCredential(call.request.url ?? '', names) === undefined) return;
    this.access.metrics.authnAttempt('none', 'failure');
    const throttle = this.access.throttle;
    const quiet = throttle !== undefined && throttle.source(call.ipKey).locked;
    if (throttle) for (const scope of throttle.failed(call.ipKey)) this.throttleStarted(call, scope);
    if (!quiet) {
      this.access.record({
        ...call.auditBase(),
        type: 'authn.failure',
        reason: 'credentials-in-query',
        status: 400,
      });
    }
    this.fail(call, 'bad-request');
  }

  private fail(call: GuardedCall, kind: AccessProblemKind, headers?: Record<string, string>): never {
    const exception = new AccessProblemException(kind, {
      typeBase: this.access.options.problemTypeBase,
      headers,
    });
    exception.applyHeaders(call.response);
    throw exception;
  }

  private describe(
    context: ExecutionContext,
    entry: RouteEntry,
    handler: object,
    controller: object,
    action?: string,
  ): GuardedCall {
    // The raw arguments: `switchToHttp()` builds an object of closures per call.
    const request = context.getArgByIndex<GuardedHttpRequest>(0);
    return new GuardedCall(
      request,
      context.getArgByIndex<unknown>(1),
      this.routeLabel(entry, request, handler, controller),
      action,
      this.requestIdHeader,
    );
  }

  /**
   * `GET /items/:id` (Express's `route.path`, Fastify's `routeOptions.url`), or `ItemsController.find`
   * outside a router; built once per route and method.
   */
  private routeLabel(
    entry: RouteEntry,
    request: GuardedHttpRequest,
    handler: object,
    controller: object,
  ): string {
    const path = request.route?.path ?? request.routeOptions?.url;
    if (typeof path !== 'string') {
      return `${(controller as { name?: string }).name}.${(handler as { name?: string }).name}`;
    }
    const method = request.method ?? 'GET';
    // One handler may serve several paths (`@Get(['a', 'b'])`): the last one seen is remembered.
    if (entry.labelled?.path !== path || entry.labelled.method !== method) {
      entry.labelled = { path, method, label: `${method} ${path}` };
    }
    return entry.labelled.label;
  }
}

/** `{ type, id }` or Cedar's `{ __entity: { type, id } }`, both strings: what the engine reads. */
function isEntityRef(value: unknown): boolean {
  return uidFromJson(value) !== undefined;
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}

/** The route's resource: static, derived from the request, or `{ type: <action prefix> }`; undefined when that fails. */
function resolveResource(
  requirement: Requirement,
  action: string,
  request: GuardedHttpRequest,
): ResourceRef | undefined {
  let resource: unknown;
  try {
    const spec = requirement.resource;
    resource = typeof spec === 'function' ? spec(request) : (spec ?? { type: action.split(':')[0] });
  } catch {
    return undefined; // a resource function that throws on odd input denies, it never 500s
  }
  if (resource === null || typeof resource !== 'object') return undefined;
  const { type, id, attributes, parents } = resource as Record<string, unknown>;
  if (typeof type !== 'string' || type.length === 0) return undefined;
  if (id !== undefined && typeof id !== 'string') return undefined;
  if (attributes !== undefined && (attributes === null || typeof attributes !== 'object')) return undefined;
  if (parents !== undefined && !(Array.isArray(parents) && parents.every(isEntityRef))) return undefined;
  return resource as ResourceRef;
}
