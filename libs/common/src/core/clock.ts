/** Monotonic time in milliseconds; injectable so tests and simulations control it. */
export interface Clock {
  now(): number;
}

/** `performance.now()`: monotonic, unaffected by wall-clock jumps; Jest's modern fake timers replace it. */
export const systemClock: Clock = { now: () => performance.now() };
