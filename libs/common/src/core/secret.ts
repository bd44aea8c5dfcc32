import { inspect } from 'node:util';
import { StewardError } from './steward.error.js';

const REDACTED = '[REDACTED]';

/** A secret value (pepper, HMAC key, password) that never prints: logs, JSON and `util.inspect` show `[REDACTED]`. */
export class Secret {
  // A closure instead of a field: the value is not an own property, so no serializer or spread can reach it.
  private readonly read: () => string;

  constructor(value: string, options: { minLength?: number; name?: string } = {}) {
    if (typeof value !== 'string') {
      throw new SecretError(`${options.name ?? 'secret'} must be a string`);
    }
    const minLength = options.minLength ?? 0;
    if (value.length < minLength) {
      throw new SecretError(`${options.name ?? 'secret'} must be at least ${minLength} characters long`);
    }
    this.read = () => value;
    Object.freeze(this);
  }

  /** The plain value; call it only where the secret is used, never to log. */
  reveal(): string {
    return this.read();
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}

/** Raised when a secret is missing or too short; the message names the setting, never the value. */
export class SecretError extends StewardError {
  constructor(message: string) {
    super('STEWARD_SECRET_INVALID', message);
  }
}
