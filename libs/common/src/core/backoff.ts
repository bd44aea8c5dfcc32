/** Exponential backoff settings; every delay is drawn with full jitter from `[0, min(cap, base * factor^n)]`. */
export interface BackoffOptions {
  /** First ceiling in ms. */
  baseMs: number;
  /** Largest ceiling in ms. */
  maxMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
}

/** Random source in [0, 1); injectable so tests can pin the jitter. */
export type RandomSource = () => number;

/**
 * Full-jitter exponential backoff (AWS architecture blog): spreads retries of many clients over the
 * whole window instead of synchronising them on the same instants.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: RandomSource = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}

/** The ceiling (no jitter) of attempt `n`: what tests and docs reason about. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const factor = options.factor ?? 2;
  return Math.min(options.maxMs, options.baseMs * Math.pow(factor, Math.max(0, attempt)));
}
