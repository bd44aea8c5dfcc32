import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { Authenticator } from '../core/authn/interfaces/authenticator.interface.js';
import { InvalidOptionsError } from '@steward/common';
import type { AccessModuleOptions, AccessPolicyEngine } from './interfaces/access-options.interface.js';
import { PolicyDialectRemovedError, PolicyReloadUnsupportedError } from './access.errors.js';
import { ACCESS_MESSAGES } from './access.messages.js';
import { AccessMetrics } from './access.metrics.js';
import { AccessService } from './access.service.js';
import { CedarPolicyEngine } from '../core/policy/cedar-policy-engine.js';

const authenticator: Authenticator = {
  method: 'test',
  authenticate: () => Promise.resolve({ kind: 'no-credentials' }),
};

describe('AccessService', () => {
  it('builds a Cedar engine from { policies, schema }, honours readsContext, and reloads Cedar', () => {
    const schema =
      'entity Role; entity ApiClient in [Role]; entity items; action "items:read" appliesTo { principal: [ApiClient], resource: [items] };';
    const service = new AccessService(
      {
        authenticators: [authenticator],
        policy: { policies: '@id("r") permit (principal in Role::"reader", action, resource);', schema },
      },
      new AccessMetrics(),
    );
    expect(service.engine).toBeInstanceOf(CedarPolicyEngine);
    expect(service.contextUnread).toBe(true);
    const reader = { id: 'client:r', roles: ['reader'], attributes: {}, authMethod: 'api-key' };
    const read = { principal: reader, action: 'items:read', resource: { type: 'items' } };
    expect(service.decide(read)).toMatchObject({ allowed: true, policyIds: ['r'] });
    expect(() =>
      service.reloadPolicies({ policies: 'permit (principal, action == Action::"nope", resource);', schema }),
    ).toThrow();
    expect(service.decide(read).allowed).toBe(true);
    service.reloadPolicies({ policies: '@id("f") forbid (principal, action, resource);', schema });
    expect(service.decide(read)).toMatchObject({ allowed: false, reason: 'forbidden', policyIds: ['f'] });
  });

  it('refuses the removed JSON dialect at construction and on reload, naming it', () => {
    const jsonPolicy = {
      id: 'r',
      effect: 'permit',
      principal: { roles: ['reader'] },
      actions: ['items:read'],
    };
    const schema =
      'entity Role; entity ApiClient in [Role]; entity items; action "items:read" appliesTo { principal: [ApiClient], resource: [items] };';
    for (const policy of [
      [jsonPolicy],
      { policies: [jsonPolicy] },
      { policies: [jsonPolicy], schema },
      { actions: ['items:read'], resourceTypes: ['items'], policies: [jsonPolicy] },
    ]) {
      let caught: unknown;
      try {
        new AccessService(
          { authenticators: [authenticator], policy } as unknown as AccessModuleOptions,
          new AccessMetrics(),
        );
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidOptionsError);
      expect((caught as InvalidOptionsError).issues).toEqual([
        { path: 'policy', message: ACCESS_MESSAGES.policyDialectRemoved },
      ]);
    }
    // Anything else that is not a policy engine or Cedar gets the generic message.
    expect(
      () =>
        new AccessService(
          {
            authenticators: [authenticator],
            policy: { policies: 'permit (principal, action, resource);' },
          } as never,
          new AccessMetrics(),
        ),
    ).toThrow(ACCESS_MESSAGES.policyOptionInvalid);

    const service = new AccessService(
      {
        authenticators: [authenticator],
        policy: { policies: '@id("r") permit (principal, action, resource);', schema },
      },
      new AccessMetrics(),
    );
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const version = service.engine.version;
      let caught: unknown;
      try {
        service.reloadPolicies({ policies: [jsonPolicy], schema } as never);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PolicyDialectRemovedError);
      expect(caught).toMatchObject({
        code: 'ACCESS_POLICY_DIALECT_REMOVED',
        message: ACCESS_MESSAGES.policyDialectRemoved,
      });
      expect(service.engine.version).toBe(version);
      expect(warn).toHaveBeenCalledWith(
        ACCESS_MESSAGES.policyReloadRejected(ACCESS_MESSAGES.policyDialectRemoved, 1),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a reload with a coded error when the configured engine cannot load policies', () => {
    const engine: AccessPolicyEngine = {
      version: 'fixed',
      evaluate: () => ({
        allowed: false,
        reason: 'no-matching-policy',
        policyIds: [],
        policyVersion: 'fixed',
      }),
    };
    const service = new AccessService(
      { authenticators: [authenticator], policy: engine },
      new AccessMetrics(),
    );
    let caught: unknown;
    try {
      service.reloadPolicies({ policies: 'permit (principal, action, resource);', schema: 'entity items;' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyReloadUnsupportedError);
    expect((caught as PolicyReloadUnsupportedError).code).toBe('ACCESS_POLICY_RELOAD_UNSUPPORTED');
  });

  it('reports a throwing authenticator once a minute, by error class and code, never its message', async () => {
    jest.useFakeTimers();
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const token = 'stw_TOKENabcdefghijklmnopqrstuvwxyz0123456789';
      const failing: Authenticator = {
        method: 'db-keys',
        authenticate: () =>
          Promise.reject(Object.assign(new Error(`lookup of ${token} failed`), { code: 'ECONNREFUSED' })),
      };
      const policy: AccessPolicyEngine = {
        version: 'v',
        evaluate: () => ({ allowed: false, reason: 'no-matching-policy', policyIds: [], policyVersion: 'v' }),
      };
      const service = new AccessService({ authenticators: [failing], policy }, new AccessMetrics());
      const outcome = await service.authenticate({ apiKey: token }, {});
      expect(outcome).toEqual({ kind: 'unavailable', method: 'db-keys', reason: 'verifier-unavailable' });
      await service.authenticate({ apiKey: token }, {});
      expect(errors).toHaveBeenCalledTimes(1);
      const line = String(errors.mock.calls[0]![0]);
      expect(line).toContain('db-keys');
      expect(line).toContain('Error ECONNREFUSED');
      expect(line).not.toContain(token);
      jest.advanceTimersByTime(60_000);
      await service.authenticate({ apiKey: token }, {});
      expect(errors).toHaveBeenCalledTimes(2);
    } finally {
      errors.mockRestore();
      jest.useRealTimers();
    }
  });
});
