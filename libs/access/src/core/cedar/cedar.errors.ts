import { StewardError } from '@steward/common';
import { cedarInvalid, cedarIssueLine } from './cedar.messages.js';

/** Why a policy could not be evaluated (type error, missing attribute, overflow …): that policy errors. */
export class CedarEvaluationError extends StewardError {
  constructor(message: string) {
    super('ACCESS_CEDAR_EVALUATION_ERROR', message);
  }
}

/**
 * A request Cedar refuses before any policy runs: an action the schema lacks, a principal or resource
 * type the action does not apply to, entity data or context a policy reads that is not of the
 * schema's types. It is no policy's error: the whole decision is a deny.
 */
export class CedarRequestError extends StewardError {
  constructor(message: string) {
    super('ACCESS_CEDAR_REQUEST_INVALID', message);
  }
}

/** One problem found while loading a policy set or schema. */
export interface CedarIssue {
  /** The file it came from, when loaded from a file. */
  readonly file?: string;
  /** 1-based line and column in that file (or in the inline text). */
  readonly line?: number;
  readonly column?: number;
  readonly policyId?: string;
  readonly message: string;
}

/**
 * A policy set or schema refused at load: every issue at once, in file order. Nothing of it is loaded
 * (at a reload the engine keeps serving the previous set).
 */
export class CedarPolicyError extends StewardError {
  constructor(
    readonly issues: readonly CedarIssue[],
    options?: ErrorOptions,
  ) {
    super(
      'ACCESS_CEDAR_POLICY_INVALID',
      `${cedarInvalid(issues.length)}\n${issues.map((i) => `  - ${cedarIssueLine(i)}`).join('\n')}`,
      options,
    );
  }
}

/** A policy or schema file that cannot be read. */
export class CedarFileError extends StewardError {
  constructor(message: string, options?: ErrorOptions) {
    super('ACCESS_CEDAR_FILE_INVALID', message, options);
  }
}
