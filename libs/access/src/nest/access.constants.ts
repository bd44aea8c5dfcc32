/** Injection token of the validated `AccessModuleOptions`. */
export const ACCESS_OPTIONS = Symbol('steward:access:options');

/** Whether AccessModule registered `AccessGuard` as the global guard (its `globalGuard` extra). */
export const ACCESS_GLOBAL_GUARD = Symbol('steward:access:global-guard');

/** Property of the request where `AccessGuard` puts the authenticated principal. */
export const PRINCIPAL_REQUEST_KEY = 'principal';

/** Property of the request where `AccessGuard` leaves what the privileged-action interceptor audits. */
export const ACCESS_STATE_REQUEST_KEY = 'stewardAccess';

/** Metadata keys of `@Public()` and `@Requires()` (namespaced: they share the reflect-metadata space). */
export const PUBLIC_METADATA_KEY = 'steward:access:public';
export const REQUIRES_METADATA_KEY = 'steward:access:requires';

/** Metric names; labels never carry a principal, key, IP or resource id. */
export const ACCESS_METRICS = {
  authnAttempts: 'steward_authn_attempts_total',
  authzDecisions: 'steward_authz_decisions_total',
  authzEvaluation: 'steward_authz_evaluation_seconds',
  auditEvents: 'steward_audit_events_total',
  lockouts: 'steward_lockouts_total',
} as const;
