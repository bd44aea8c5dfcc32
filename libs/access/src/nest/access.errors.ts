import { StewardError } from '@steward/common';
import { ACCESS_MESSAGES } from './access.messages.js';

/** `reloadPolicies()` was called but the configured policy engine has no `load()`. */
export class PolicyReloadUnsupportedError extends StewardError {
  constructor() {
    super('ACCESS_POLICY_RELOAD_UNSUPPORTED', ACCESS_MESSAGES.policyReloadUnsupported);
  }
}
