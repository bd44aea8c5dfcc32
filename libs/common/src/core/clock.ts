/** Monotonic time in milliseconds; injectable so tests and simulations control it. */
export interface Clock {
  now(): number;
}

/** `performance.now()`: monotonic, unaffected by wall-clock jumps; Jest's modern fake timers replace it. */
export const systemClock: Clock = { now: () => performance.now() };

// The offset from the monotonic clock to the wall clock: exact at start (`timeOrigin` has sub-ms
// precision), checked against `Date.now()` once a second and moved when they part by more than 1 ms.
let offset = performance.timeOrigin;
let checkedAt = performance.now();

/**
 * The wall clock in ms since epoch, like `Date.now()` but fractional, without the runtime call V8 makes
 * for each `Date.now()`. A clock step or a suspend shows within a second. For hot paths that read the
 * time on every request.
 */
export function wallClockNow(): number {
  let monotonic = performance.now();
  if (monotonic - checkedAt >= 1_000 || monotonic < checkedAt) {
    const drift = Date.now() - (offset + monotonic);
    // Date.now() truncates to the ms: within that it is no evidence of a step.
    if (drift > 1 || drift < -1) {
      offset = edgeOffset();
      monotonic = performance.now();
    }
    checkedAt = monotonic;
  }
  return offset + monotonic;
}

/**
 * The offset taken on the edge of a millisecond, where `Date.now()` is exact rather than up to 1 ms
 * behind: at most about a millisecond of waiting, once per clock step. Bounded, since a fake clock
 * never moves by itself.
 */
function edgeOffset(): number {
  const start = Date.now();
  for (let i = 0; i < 100_000; i++) {
    const now = Date.now();
    if (now !== start) return now - performance.now();
  }
  return start - performance.now();
}
