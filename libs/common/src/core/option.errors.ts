import { StewardError } from './steward.error.js';

/** One bad setting: its path (e.g. `pool.max`) and what is wrong with it. Never the value of a secret. */
export interface OptionIssue {
  path: string;
  message: string;
}

/** Every bad option at once, so a user fixes the configuration in one pass. */
export class InvalidOptionsError extends StewardError {
  constructor(
    readonly subject: string,
    readonly issues: readonly OptionIssue[],
  ) {
    super(
      'STEWARD_INVALID_OPTIONS',
      `Invalid ${subject} options:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    );
  }
}

/** Collects issues, then throws them together. */
export class OptionChecker {
  private readonly issues: OptionIssue[] = [];

  constructor(private readonly subject: string) {}

  /** Records one issue; `message` must never contain the option's value. */
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** Adds an issue unless `value` is undefined or an integer in `[min, max]`. */
  integer(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.add(path, `must be an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max}`);
    }
  }

  /** Adds an issue unless `value` is undefined or a finite number in `[min, max]`. */
  number(path: string, value: unknown, min: number, max = Number.MAX_VALUE): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.add(path, `must be a number from ${min} to ${max === Number.MAX_VALUE ? 'any' : max}`);
    }
  }

  /** Adds an issue unless `value` is undefined or one of `allowed`. */
  oneOf(path: string, value: unknown, allowed: readonly unknown[]): void {
    if (value === undefined) return;
    if (!allowed.includes(value))
      this.add(path, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }

  /** Issues collected so far. */
  get count(): number {
    return this.issues.length;
  }

  /** Throws one `InvalidOptionsError` listing every issue, if there is any. */
  throwIfAny(): void {
    if (this.issues.length > 0) throw new InvalidOptionsError(this.subject, this.issues);
  }
}
