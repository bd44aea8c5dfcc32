import type { Authenticator } from '../core/authn/interfaces/authenticator.interface.js';
import type { AccessPolicyEngine } from './interfaces/access-options.interface.js';
import { PolicyReloadUnsupportedError } from './access.errors.js';
import { AccessMetrics } from './access.metrics.js';
import { AccessService } from './access.service.js';

const authenticator: Authenticator = {
  method: 'test',
  authenticate: () => Promise.resolve({ kind: 'no-credentials' }),
};

describe('AccessService', () => {
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
      service.reloadPolicies([]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyReloadUnsupportedError);
    expect((caught as PolicyReloadUnsupportedError).code).toBe('ACCESS_POLICY_RELOAD_UNSUPPORTED');
  });
});
