import { OptionChecker } from '@steward/common';
import { FailureThrottle, type ThrottleState } from './failure-throttle.js';

/** Options of `AuthnThrottle`. */
export interface AuthnThrottleOptions {
  /** Failures with one key id from one source that throttle that pair (default 5). */
  maxFailures?: number;
  /** Failed or credential-less requests from one source that throttle its failures (default 20). */
  sourceMaxFailures?: number;
  /** Sliding window the failures are counted in (default 60 000 ms). */
  windowMs?: number;
  /** How long a throttle lasts (default 300 000 ms). */
  lockoutMs?: number;
  /** Pairs and sources tracked at most, each (default 10 000); the least recently failed go first. */
  maxTrackedKeys?: number;
  /** Monotonic ms (default `performance.now`). */
  now?: () => number;
}

/** Which throttle a failure started, if any. */
export type ThrottleScope = 'key' | 'source';

/**
 * Slows guessing without letting anyone lock an owner out. Two counters:
 * - per (key id, source): after `maxFailures` that pair answers 429 whatever the secret, so the right
 *   and a wrong secret look alike to the guesser; the key's owner elsewhere is not affected;
 * - per source: after `sourceMaxFailures` failed or credential-less requests, the source's failures
 *   answer 429 (and stop being audited one by one); a valid credential from it still passes, so one
 *   client behind a NAT or a proxy cannot shut out its neighbours.
 * A key id is not a secret (it is in audit events): a throttle on it alone would be a lockout anyone
 * could trigger and renew.
 */
export class AuthnThrottle {
  private readonly pairs: FailureThrottle;
  private readonly sources: FailureThrottle;

  constructor(options: AuthnThrottleOptions = {}) {
    const checker = new OptionChecker('authentication throttle');
    checker.integer('sourceMaxFailures', options.sourceMaxFailures, 1, 1_000);
    checker.throwIfAny();
    const { sourceMaxFailures, ...shared } = options;
    this.pairs = new FailureThrottle(shared);
    this.sources = new FailureThrottle({ ...shared, maxFailures: sourceMaxFailures ?? 20 });
  }

  /** False while no pair has failed recently: nothing to check, no address to read. */
  get tracksPairs(): boolean {
    return this.pairs.size > 0;
  }

  /** Whether the pair (credential subject, source) is throttled: it then answers 429 right or wrong. */
  pair(subject: string, source: string): ThrottleState {
    return this.pairs.check(pairKey(subject, source));
  }

  /** Whether the source's failures are throttled. */
  source(source: string): ThrottleState {
    return this.sources.check(source);
  }

  /** Counts one failure (or request without credentials) from `source`; says which throttles it started. */
  failed(source: string, subject?: string): ThrottleScope[] {
    const started: ThrottleScope[] = [];
    if (subject !== undefined && this.pairs.recordFailure(pairKey(subject, source))) started.push('key');
    if (this.sources.recordFailure(source)) started.push('source');
    return started;
  }

  /** A valid credential from `source`: its own pair's failures are forgotten (a running throttle stays). */
  succeeded(subject: string, source: string): void {
    this.pairs.reset(pairKey(subject, source));
  }

  /** Forgets everything (tests, or an operator lifting every throttle). */
  clear(): void {
    this.pairs.clear();
    this.sources.clear();
  }
}

function pairKey(subject: string, source: string): string {
  return `${subject}\0${source}`;
}
