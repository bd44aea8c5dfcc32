import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AuthnThrottle } from '../core/authn/authn-throttle.js';
import type {
  Authenticator,
  AuthnContext,
  AuthnNoCredentials,
  AuthnResult,
  Credentials,
} from '../core/authn/interfaces/authenticator.interface.js';
import type { AuditEvent } from '../core/interfaces/audit-event.interface.js';
import type { AccessRequest, Decision } from '../core/interfaces/decision.interface.js';
import {
  CedarPolicyEngine,
  type CedarPolicyEngineOptions,
  type CedarPolicySource,
  type CedarReloadInfo,
} from '../core/policy/cedar-policy-engine.js';
import { CedarPolicyError } from '../core/cedar/cedar.errors.js';
import { cedarIssueLine } from '../core/cedar/cedar.messages.js';
import { ACCESS_OPTIONS } from './access.constants.js';
import { PolicyDialectRemovedError, PolicyReloadUnsupportedError } from './access.errors.js';
import { ACCESS_MESSAGES } from './access.messages.js';
import { AccessMetrics } from './access.metrics.js';
import { isJsonPolicyDialect, validateAccessOptions } from './access-options.schema.js';
import type {
  AccessAuditRecorder,
  AccessModuleOptions,
  AccessPolicyEngine,
} from './interfaces/access-options.interface.js';

const AUTHN_ERROR_LOG_INTERVAL_MS = 60_000;
const UNCLAIMED = Object.freeze({ kind: 'unclaimed' as const });
const BUILTIN_EVALUATE: unknown = CedarPolicyEngine.prototype.evaluate;

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}

/** Longest reason a rejected reload's log line quotes. */
const MAX_REJECTION_REASON = 300;

/** Why a reload was refused, for one short log line: the first issue and how many there are. */
function rejectionReason(error: unknown): [reason: string, issues: number] {
  const issues = error instanceof CedarPolicyError ? error.issues : [];
  const text =
    issues.length > 0 ? cedarIssueLine(issues[0]!) : error instanceof Error ? error.message : String(error);
  const first = text.split('\n')[0]!;
  const reason = first.length > MAX_REJECTION_REASON ? `${first.slice(0, MAX_REJECTION_REASON - 1)}…` : first;
  return [reason, Math.max(issues.length, 1)];
}

/** The outcome of running the configured authenticators on one request. */
export type AuthnOutcome = Exclude<AuthnResult, AuthnNoCredentials> | { readonly kind: 'unclaimed' };

/**
 * The access layer's state: authenticators, policy engine, throttle and audit trail, built once from
 * the validated options. `AccessGuard` and the privileged-action interceptor go through it.
 */
@Injectable()
export class AccessService implements OnApplicationShutdown {
  readonly engine: AccessPolicyEngine;
  readonly throttle?: AuthnThrottle;
  readonly realm: string;
  /** The `WWW-Authenticate` value of every 401, one challenge per configured scheme. */
  readonly challenge: string;
  /** Guarded routes with neither `@Public()` nor `@Requires()`, found at bootstrap. */
  unannotatedRoutes: readonly string[] = [];
  private readonly logger = new Logger('AccessModule');
  private readonly unsubscribe: (() => void)[] = [];
  // One entry per configured authenticator method at most.
  private readonly authnErrorLoggedAt = new Map<string, number>();

  constructor(
    @Inject(ACCESS_OPTIONS) readonly options: AccessModuleOptions,
    readonly metrics: AccessMetrics,
  ) {
    validateAccessOptions(options);
    const policy = options.policy;
    this.engine =
      typeof (policy as AccessPolicyEngine).evaluate === 'function'
        ? (policy as AccessPolicyEngine)
        : new CedarPolicyEngine(policy as CedarPolicyEngineOptions);
    this.throttle = options.throttle === false ? undefined : new AuthnThrottle(options.throttle ?? {});
    this.realm = options.realm ?? 'steward';
    const schemes = [...new Set(options.authenticators.map((a) => a.scheme).filter((s): s is string => !!s))];
    this.challenge = (schemes.length > 0 ? schemes : ['Bearer'])
      .map((s) => `${s} realm="${this.realm}"`)
      .join(', ');
    if (this.engine.onReload) {
      this.unsubscribe.push(this.engine.onReload((info) => this.onPolicyReload(info)));
    }
    this.watchAudit(options.audit);
  }

  /**
   * True while the engine is Steward's own (`CedarPolicyEngine`) and no live policy reads
   * `request.context`: the guard then leaves the context out. A subclass or wrapper with its own
   * `evaluate` may read the context whatever the policies say, so it always gets one.
   */
  get contextUnread(): boolean {
    return this.engine.evaluate === BUILTIN_EVALUATE && this.engine.readsContext === false;
  }

  /** The audit trail, if configured. */
  get audit(): AccessAuditRecorder | undefined {
    return this.options.audit;
  }

  /**
   * Asks each authenticator in order; the first that recognises the credentials decides. Never throws
   * or rejects. Synchronous while every authenticator asked answers synchronously.
   */
  authenticate(credentials: Credentials, context: AuthnContext): AuthnOutcome | Promise<AuthnOutcome> {
    return this.authenticateFrom(0, credentials, context);
  }

  /** The throttling handle the first authenticator that knows one gives these credentials, unchecked. */
  subjectOf(credentials: Credentials): string | undefined {
    for (const authenticator of this.options.authenticators) {
      try {
        const subject = authenticator.subjectOf?.(credentials);
        if (subject !== undefined) return subject;
      } catch {
        // A broken subjectOf only loses the early refusal; the check after the answer still applies.
      }
    }
    return undefined;
  }

  /** Evaluates a request; an engine that throws is a deny, never an error. */
  decide(request: AccessRequest): Decision {
    try {
      return this.engine.evaluate(request);
    } catch {
      return {
        allowed: false,
        reason: 'evaluation-error',
        policyIds: [],
        policyVersion: this.engine.version,
      };
    }
  }

  /** Queues an audit event; a broken trail never breaks the request. */
  record(event: AuditEvent): void {
    try {
      this.options.audit?.record(event);
    } catch {
      // The trail counts its own failures; a request must not fail because of a best-effort event.
    }
  }

  /**
   * Loads new Cedar policies and schema atomically and audits the reload; a rejected set is audited and
   * rethrown (policies in the removed JSON dialect: `PolicyDialectRemovedError`).
   */
  reloadPolicies(policies: CedarPolicySource, actor?: string): { version: string; count: number } {
    const engine = this.engine;
    if (!engine.reload) throw new PolicyReloadUnsupportedError();
    try {
      if (isJsonPolicyDialect(policies)) throw new PolicyDialectRemovedError();
      return engine.reload(policies);
    } catch (error) {
      this.record({
        time: new Date().toISOString(),
        type: 'policy.reload',
        ...(actor !== undefined && { principal: actor }),
        decision: 'deny',
        reason: 'invalid-policy-set',
      });
      this.logger.warn(ACCESS_MESSAGES.policyReloadRejected(...rejectionReason(error)));
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    const audit = this.options.audit;
    if (audit && this.options.closeAuditOnShutdown !== false) {
      try {
        await (audit.close ? audit.close() : audit.flush?.());
      } catch (error) {
        this.logger.error(ACCESS_MESSAGES.auditCloseFailed((error as Error)?.message ?? String(error)));
      }
    }
  }

  private onPolicyReload(info: CedarReloadInfo): void {
    this.record({
      time: new Date().toISOString(),
      type: 'policy.reload',
      decision: 'allow',
      reason: `version ${info.previousVersion.slice(0, 12)} -> ${info.version.slice(0, 12)} (${info.count} policies)`,
    });
  }

  private authenticateFrom(
    start: number,
    credentials: Credentials,
    context: AuthnContext,
  ): AuthnOutcome | Promise<AuthnOutcome> {
    const authenticators = this.options.authenticators;
    for (let i = start; i < authenticators.length; i++) {
      const authenticator = authenticators[i]!;
      let result: AuthnResult | Promise<AuthnResult>;
      try {
        result = authenticator.authenticate(credentials, context);
      } catch (error) {
        return this.unavailable(authenticator, error);
      }
      if (isPromiseLike(result)) {
        return Promise.resolve(result).then(
          (settled) =>
            settled.kind === 'no-credentials' ? this.authenticateFrom(i + 1, credentials, context) : settled,
          (error: unknown) => this.unavailable(authenticator, error),
        );
      }
      if (result.kind !== 'no-credentials') return result;
    }
    return UNCLAIMED;
  }

  /** A throwing authenticator is a bug or an outage, not a verdict on the caller: 503, and never a 500. */
  private unavailable(authenticator: Authenticator, error: unknown): AuthnOutcome {
    this.reportAuthenticatorError(authenticator.method, error);
    return { kind: 'unavailable', method: authenticator.method, reason: 'verifier-unavailable' };
  }

  /**
   * Tells the operator, at most once a minute per method: a store or verifier that throws (a database
   * down) is otherwise only a 503. Names the error class and code, never its message, which a custom
   * authenticator may have built from the credential.
   */
  private reportAuthenticatorError(method: string, error: unknown): void {
    const now = performance.now();
    const last = this.authnErrorLoggedAt.get(method);
    if (last !== undefined && now - last < AUTHN_ERROR_LOG_INTERVAL_MS) return;
    this.authnErrorLoggedAt.set(method, now);
    const name = error instanceof Error ? error.name : typeof error;
    const code = (error as { code?: unknown } | null)?.code;
    this.logger.error(
      ACCESS_MESSAGES.authenticatorFailed(method, typeof code === 'string' ? `${name} ${code}` : name),
    );
  }

  private watchAudit(audit: AccessAuditRecorder | undefined): void {
    if (!audit || typeof audit.on !== 'function') return;
    const on = audit.on.bind(audit) as unknown as (
      event: string,
      listener: (info?: unknown) => void,
    ) => unknown;
    for (const result of ['written', 'failed', 'dropped'] as const) {
      const listener = (info?: unknown): void => {
        const { sink, count } = (info ?? {}) as { sink?: unknown; count?: unknown };
        // Drops happen in the queue, before any sink.
        const name = typeof sink === 'string' ? sink : 'queue';
        this.metrics.auditEvent(name, result, typeof count === 'number' && count > 0 ? count : 1);
      };
      const off = on(result, listener);
      if (typeof off === 'function') this.unsubscribe.push(off as () => void);
    }
  }
}
