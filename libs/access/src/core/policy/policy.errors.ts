import { StewardError } from '@steward/common';
import { policyInvalid } from './policy.messages.js';

/** One problem in a policy set: which policy (index and id when known), where, and what. */
export interface PolicyIssue {
  readonly index: number;
  readonly policyId?: string;
  readonly path: string;
  readonly message: string;
}

/** Every problem of a rejected policy set at once; the previously loaded set keeps serving. */
export class PolicyValidationError extends StewardError {
  constructor(readonly issues: readonly PolicyIssue[]) {
    super(
      'ACCESS_POLICY_INVALID',
      `${policyInvalid(issues.length)}\n${issues
        .map(
          (i) =>
            `  - ${i.index < 0 ? '(set)' : `policies[${i.index}]`}${i.policyId ? ` (${i.policyId})` : ''}${i.path ? `.${i.path}` : ''}: ${i.message}`,
        )
        .join('\n')}`,
    );
  }
}

/** A policy file that cannot be read or parsed. */
export class PolicyFileError extends StewardError {
  constructor(message: string, options?: ErrorOptions) {
    super('ACCESS_POLICY_FILE_INVALID', message, options);
  }
}

/** Why a condition could not be evaluated (missing attribute, type mismatch …); the engine turns it into a deny. */
export class ConditionError extends StewardError {
  constructor(message: string) {
    super('ACCESS_POLICY_CONDITION_ERROR', message);
  }
}
