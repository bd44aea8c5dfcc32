import { jest } from '@jest/globals';
import { Logger, UnprocessableEntityException } from '@nestjs/common';
import type { Authenticator } from '../core/authn/interfaces/authenticator.interface.js';
import { CedarPolicyError } from '../core/cedar/cedar.errors.js';
import type { AuditEvent } from '../core/interfaces/audit-event.interface.js';
import { ACCESS_MESSAGES } from './access.messages.js';
import { AccessMetrics } from './access.metrics.js';
import { AccessService } from './access.service.js';
import { problemFor } from './problem-details.filter.js';

const authenticator: Authenticator = {
  method: 'test',
  authenticate: () => Promise.resolve({ kind: 'no-credentials' }),
};
const schema =
  'entity Role; entity ApiClient in [Role]; entity items { owner: String }; ' +
  'action "items:read" appliesTo { principal: [ApiClient], resource: [items] };';

describe('AccessService.reloadPolicies', () => {
  let warn: jest.SpiedFunction<Logger['warn']>;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  function service(): { service: AccessService; events: AuditEvent[] } {
    const events: AuditEvent[] = [];
    const access = new AccessService(
      {
        authenticators: [authenticator],
        policy: { policies: '@id("r") permit (principal in Role::"reader", action, resource);', schema },
        audit: {
          record: (event: AuditEvent) => void events.push(event),
          recordDurable: () => Promise.resolve(),
        },
      },
      new AccessMetrics(),
    );
    return { service: access, events };
  }

  it('audits a rejected set, logs its first issue and the count, and keeps the previous set live', () => {
    const { service: access, events } = service();
    const version = access.engine.version;
    const bad = {
      policies:
        '@id("typo") permit (principal, action, resource) when { resource.ownr == "a" };\n' +
        '@id("nope") permit (principal, action == Action::"nope", resource);',
      schema,
      policiesFile: 'app.cedar',
    };
    let caught: unknown;
    try {
      access.reloadPolicies(bad, 'client:ops');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CedarPolicyError);
    const issues = (caught as CedarPolicyError).issues;
    expect(issues.length).toBeGreaterThanOrEqual(2);
    expect(access.engine.version).toBe(version);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'policy.reload',
        principal: 'client:ops',
        decision: 'deny',
        reason: 'invalid-policy-set',
      }),
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    const line = warn.mock.calls[0]![0] as string;
    expect(line).toMatch(
      new RegExp(
        `^policy reload rejected \\(${issues.length} issues; first: app\\.cedar:\\d+:\\d+ \\((typo|nope)\\): `,
      ),
    );
    expect(line).toMatch(/\); the previous policy set stays live$/);
    expect(line).not.toContain('\n');
  });

  it("answers a rejected set with the README's recipe: 422 problem+json listing the issues", () => {
    const { service: access } = service();
    let problem: ReturnType<typeof problemFor> | undefined;
    try {
      access.reloadPolicies({
        policies: '@id("x") permit (principal, action == Action::"nope", resource);',
        schema,
      });
    } catch (error) {
      if (!(error instanceof CedarPolicyError)) throw error;
      const messages = error.issues.map((issue) => issue.message);
      problem = problemFor(new UnprocessableEntityException(messages, { cause: error }));
    }
    expect(problem?.body).toEqual({
      type: 'about:blank',
      title: 'Unprocessable Entity',
      status: 422,
      detail: ACCESS_MESSAGES.invalidRequest,
      errors: [expect.stringMatching(/unrecognized action `Action::"nope"`/)],
    });
  });

  it('quotes the first line of any other error', () => {
    expect(ACCESS_MESSAGES.policyReloadRejected('boom', 1)).toBe(
      'policy reload rejected (boom); the previous policy set stays live',
    );
  });

  it('audits a successful reload with the versions and the policy count', () => {
    const { service: access, events } = service();
    const previous = access.engine.version;
    const result = access.reloadPolicies({
      policies: '@id("f") forbid (principal, action, resource);',
      schema,
    });
    expect(result).toEqual({ version: access.engine.version, count: 1 });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'policy.reload',
        decision: 'allow',
        reason: `version ${previous.slice(0, 12)} -> ${result.version.slice(0, 12)} (1 policies)`,
      }),
    ]);
    expect(warn).not.toHaveBeenCalled();
  });
});
