import { StewardError } from '@steward/common';
import { ACCESS_MESSAGES } from './access.messages.js';

/** `reloadPolicies()` was called but the configured policy engine has no `reload()`. */
export class PolicyReloadUnsupportedError extends StewardError {
  constructor() {
    super('ACCESS_POLICY_RELOAD_UNSUPPORTED', ACCESS_MESSAGES.policyReloadUnsupported);
  }
}

/** Policies in the JSON dialect (a list of policy objects) were given where Cedar is expected. */
export class PolicyDialectRemovedError extends StewardError {
  constructor() {
    super('ACCESS_POLICY_DIALECT_REMOVED', ACCESS_MESSAGES.policyDialectRemoved);
  }
}
