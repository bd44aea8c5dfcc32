import type { Registry } from 'prom-client';
import type { AuditEvent } from '../../core/interfaces/audit-event.interface.js';
import type { AccessRequest, Decision } from '../../core/interfaces/decision.interface.js';
import type { Authenticator } from '../../core/authn/interfaces/authenticator.interface.js';
import type { AuditTrailEvents } from '../../core/audit/interfaces/index.js';
import type { AuthnThrottleOptions } from '../../core/authn/authn-throttle.js';
import type {
  CedarPolicyEngineOptions,
  CedarPolicySource,
  CedarReloadInfo,
} from '../../core/policy/cedar-policy-engine.js';

/** What the guard needs from a policy engine (`CedarPolicyEngine` fits). */
export interface AccessPolicyEngine {
  readonly version: string;
  /**
   * `false` while no policy can read `request.context`. Honoured for `CedarPolicyEngine`'s own
   * `evaluate` only (the guard then skips building the context); any other `evaluate` always gets the
   * context.
   */
  readonly readsContext?: boolean;
  /**
   * Decides one request. A `CedarDecision`'s `erroredPolicyIds`, when not empty, go into the
   * `authz.decision` audit event.
   */
  evaluate(request: AccessRequest): Decision;
  /**
   * Whether a request can name this action at all (`CedarPolicyEngine`: the schema declares it with an
   * `appliesTo`). At startup AccessModule warns about routes whose `@Requires` action it does not know.
   */
  knowsAction?(action: string): boolean;
  /** Parses, validates and swaps in a new policy set (`CedarPolicyEngine.reload`). */
  reload?(source: CedarPolicySource): { version: string; count: number };
  onReload?(listener: (info: CedarReloadInfo) => void): () => void;
}

/** What the guard needs from an audit trail (`AuditTrail` fits). */
export interface AccessAuditRecorder {
  /** Queues an event; never blocks and never throws. */
  record(event: AuditEvent): void;
  /** Resolves once the event is stored; rejects when it could not be (privileged actions then fail closed). */
  recordDurable(event: AuditEvent): Promise<void>;
  flush?(): Promise<void>;
  close?(): Promise<void>;
  /** Outcome events, counted in `steward_audit_events_total`. */
  on?<K extends keyof AuditTrailEvents>(
    event: K,
    listener: (payload: AuditTrailEvents[K]) => void,
  ): () => void;
}

/** Options of `AccessModule.forRoot / forRootAsync`. */
export interface AccessModuleOptions {
  /** Asked in order; the first that recognises the credentials decides. */
  authenticators: Authenticator[];
  /**
   * A policy engine, or Cedar policies and schema (`{ policies, schema }`) to build a
   * `CedarPolicyEngine` from.
   */
  policy: AccessPolicyEngine | CedarPolicyEngineOptions;
  /** Where audit events go. Without one, privileged routes fail closed (503). */
  audit?: AccessAuditRecorder;
  /** Closes the audit trail on application shutdown (default true: the module owns what it was given). */
  closeAuditOnShutdown?: boolean;
  /** Realm of the `WWW-Authenticate` challenges (default 'steward'). */
  realm?: string;
  /**
   * Failed-attempt throttling per (key id, source) and per source (`AuthnThrottle`); `false` turns it
   * off. The source is `request.ip`: set Express's `trust proxy` behind a proxy, or every client
   * shares the proxy's address.
   */
  throttle?: Omit<AuthnThrottleOptions, 'now'> | false;
  /** Query parameters whose presence gets a guarded request refused (default `QUERY_CREDENTIAL_PARAMS`). */
  queryCredentialParams?: string[];
  /** Header carrying the request id (default 'x-request-id'); one is generated when absent or invalid. */
  requestIdHeader?: string;
  /** Base URI of the problem `type`s (default: 'about:blank' for all). */
  problemTypeBase?: string;
  /** Log the guarded routes with neither @Public() nor @Requires() at startup (default true). */
  reportUnannotatedRoutes?: boolean;
  /**
   * Prometheus metrics: the registry (default prom-client's default `register`, which
   * `PrometheusModule` serves) and how many decisions per timed one (default 1: all); `false`: none.
   */
  metrics?: { registry?: Registry; evaluationSample?: number } | false;
}
