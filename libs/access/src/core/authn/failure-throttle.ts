import { OptionChecker } from '@steward/common';

/** Options of `FailureThrottle`. */
export interface FailureThrottleOptions {
  /** Failures inside `windowMs` that lock a key out (default 5). */
  maxFailures?: number;
  /** Sliding window the failures are counted in (default 60 000 ms). */
  windowMs?: number;
  /** How long a lockout lasts (default 300 000 ms). */
  lockoutMs?: number;
  /** Keys tracked at most; the least recently touched is forgotten first (default 10 000). */
  maxTrackedKeys?: number;
  /** Monotonic ms (default `performance.now`). */
  now?: () => number;
}

/** Whether a key may try again. */
export type ThrottleState =
  { readonly locked: false } | { readonly locked: true; readonly retryAfterMs: number };

const NOT_LOCKED: ThrottleState = Object.freeze({ locked: false });

// Locked entries an eviction moves to the back instead of dropping; bounds the work of one eviction.
const MAX_SPARED_LOCKOUTS = 16;

interface Entry {
  failures: number[]; // timestamps inside the window, oldest first, at most maxFailures
  lockedUntil: number;
}

/**
 * Counts failed authentications per key (IP, API key id, principal) in a sliding window and locks a
 * key out after `maxFailures`. Memory is bounded: at most `maxTrackedKeys` entries of at most
 * `maxFailures` timestamps, least recently used evicted first, running lockouts last.
 */
export class FailureThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly lockoutMs: number;
  private readonly maxTrackedKeys: number;
  private readonly now: () => number;

  constructor(options: FailureThrottleOptions = {}) {
    const checker = new OptionChecker('failure throttle');
    checker.integer('maxFailures', options.maxFailures, 1, 1_000);
    checker.integer('windowMs', options.windowMs, 1, 86_400_000);
    checker.integer('lockoutMs', options.lockoutMs, 1, 86_400_000);
    checker.integer('maxTrackedKeys', options.maxTrackedKeys, 1, 10_000_000);
    checker.throwIfAny();
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.lockoutMs = options.lockoutMs ?? 300_000;
    this.maxTrackedKeys = options.maxTrackedKeys ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether `key` is locked out now. */
  check(key: string): ThrottleState {
    if (this.entries.size === 0) return NOT_LOCKED;
    const now = this.now();
    this.forgetOldestIfStale(now);
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.lockedUntil > now) {
      return { locked: true, retryAfterMs: entry.lockedUntil - now };
    }
    return NOT_LOCKED;
  }

  /**
   * Drops the least recently failed key once its failures left the window and it is not locked, one
   * per check: the table drains while requests flow, and `size` falls back to 0, which lets a guard
   * skip the throttle altogether.
   */
  private forgetOldestIfStale(now: number): void {
    const oldest = this.entries.entries().next();
    if (oldest.done) return;
    const [key, entry] = oldest.value;
    const last = entry.failures.at(-1);
    if (entry.lockedUntil <= now && (last === undefined || last <= now - this.windowMs)) {
      this.entries.delete(key);
    }
  }

  /** Counts one failure; returns true when this failure starts a lockout. */
  recordFailure(key: string): boolean {
    const now = this.now();
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-insert below: Map order is the LRU order
    } else {
      entry = { failures: [], lockedUntil: 0 };
    }
    this.entries.set(key, entry);
    this.evict(key);
    if (entry.lockedUntil > now) return false;
    const cutoff = now - this.windowMs;
    while (entry.failures.length > 0 && entry.failures[0]! <= cutoff) entry.failures.shift();
    entry.failures.push(now);
    if (entry.failures.length >= this.maxFailures) {
      entry.failures = [];
      entry.lockedUntil = now + this.lockoutMs;
      return true;
    }
    return false;
  }

  /** Forgets a key's failures (after a success). */
  reset(key: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.lockedUntil <= this.now()) this.entries.delete(key);
  }

  /** Number of keys tracked. */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything (tests, or an operator lifting every lockout). */
  clear(): void {
    this.entries.clear();
  }

  private evict(keep: string): void {
    let excess = this.entries.size - this.maxTrackedKeys;
    if (excess <= 0) return;
    const now = this.now();
    const spared: [string, Entry][] = [];
    for (const [key, entry] of this.entries) {
      if (excess === 0) break;
      if (key === keep) continue;
      this.entries.delete(key);
      // A running lockout outlives a flood of fresh keys (flooding is how one would lift it); the scan stays bounded.
      if (entry.lockedUntil > now && spared.length < MAX_SPARED_LOCKOUTS) spared.push([key, entry]);
      else excess--;
    }
    // Nothing else left to evict: the oldest spared lockouts go after all.
    spared.splice(0, excess);
    for (const [key, entry] of spared) this.entries.set(key, entry);
  }
}
