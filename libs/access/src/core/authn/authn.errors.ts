import { StewardError } from '@steward/common';
import { AUTHN_MESSAGES } from './authn.messages.js';

/** A client already holds the maximum number of active keys (two, so keys rotate without downtime). */
export class ApiKeyLimitError extends StewardError {
  constructor(clientId: string, max: number) {
    super('ACCESS_API_KEY_LIMIT', AUTHN_MESSAGES.keyLimit(clientId, max));
  }
}

/** The store already holds a record with this key id. */
export class ApiKeyConflictError extends StewardError {
  constructor() {
    super('ACCESS_API_KEY_CONFLICT', AUTHN_MESSAGES.duplicateKeyId);
  }
}

/** No record with this key id. */
export class ApiKeyNotFoundError extends StewardError {
  constructor() {
    super('ACCESS_API_KEY_NOT_FOUND', AUTHN_MESSAGES.unknownKeyId);
  }
}
