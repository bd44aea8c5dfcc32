// User-facing text of the access layer: problem details and startup reports. Never a credential here.
export const ACCESS_MESSAGES = {
  unauthorized: 'Valid credentials are required.',
  forbidden: 'You are not allowed to perform this action.',
  tooManyAttempts: 'Too many failed authentication attempts; retry later.',
  queryCredentials:
    'Credentials are not accepted in the query string; send them in the Authorization or X-API-Key header.',
  ambiguousCredentials:
    'Send exactly one credential: one Authorization header or one X-API-Key header, not several.',
  malformedBody: 'The request body is not valid JSON.',
  invalidRequest: 'The request is invalid; see errors.',
  unavailable: 'Access cannot be checked right now; retry later.',
  auditUnavailable: 'The action cannot be audited right now, so it was not performed; retry later.',
  noGlobalGuard:
    'AccessGuard is not the global guard (globalGuard: false): a route is protected only where the app applies AccessGuard',
  unannotatedRoutes: (routes: readonly string[], global: boolean) =>
    `${routes.length} route(s) have neither @Public() nor @Requires(); ` +
    `${global ? 'AccessGuard denies them (403)' : 'where AccessGuard applies, it denies them (403)'}:\n` +
    routes.map((r) => `  - ${r}`).join('\n'),
  unknownActions: (routes: readonly string[]) =>
    `${routes.length} route(s) require an action the policy schema does not declare (with an appliesTo); ` +
    `every request to them is denied:\n` +
    routes.map((r) => `  - ${r}`).join('\n'),
  privilegedWithoutAudit: (routes: readonly string[], global: boolean) =>
    `${routes.length} privileged route(s) but no audit trail configured; ` +
    `${global ? 'they fail closed (503)' : 'where AccessGuard applies, they fail closed (503)'}:\n` +
    routes.map((r) => `  - ${r}`).join('\n'),
  /** `reason`: the first issue (file:line:column (policy id): message) or the error's first line. */
  policyReloadRejected: (reason: string, issues: number) =>
    `policy reload rejected (${issues > 1 ? `${issues} issues; first: ` : ''}${reason}); ` +
    'the previous policy set stays live',
  auditCloseFailed: (reason: string) => `audit trail failed to close: ${reason}`,
  authenticatorFailed: (method: string, error: string) =>
    `authenticator ${method} threw (${error}); its requests get 503 until it recovers`,
  policyReloadUnsupported: 'the configured policy engine has no reload(): policies cannot be reloaded',
  policyOptionInvalid:
    'must be a policy engine ({ evaluate(), version }) or Cedar policies and schema ({ policies, schema })',
  policyDialectRemoved:
    'the JSON policy dialect was removed in 0.1.0; write Cedar policies and a Cedar schema ' +
    '({ policies, schema }, or CedarPolicyEngine.readSource(file, schemaFile); see "Policy engine" in the @steward/access README)',
} as const;
