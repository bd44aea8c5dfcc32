import { InvalidOptionsError } from '@steward/common';
import { resolveLifecycleOptions } from './lifecycle.options.js';

describe('resolveLifecycleOptions', () => {
  it('applies defaults that fit a 30 s grace period and leaves the remainder to the units', () => {
    expect(resolveLifecycleOptions()).toEqual({
      delayMs: 5_000,
      drainTimeoutMs: 10_000,
      stopTimeoutMs: 5_000,
      deadlineMs: 25_000,
      startTimeoutMs: 30_000,
      unitStopBudgetMs: 10_000,
    });
  });

  it('rejects a budget larger than the deadline, naming every number', () => {
    let caught: unknown;
    try {
      resolveLifecycleOptions({
        shutdown: { delayMs: 10_000, drainTimeoutMs: 10_000, stopTimeoutMs: 6_000 },
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    expect((caught as InvalidOptionsError).message).toContain('= 26000 ms exceeds deadlineMs (25000 ms)');
  });

  it('lists every malformed field at once', () => {
    expect(() =>
      resolveLifecycleOptions({ shutdown: { delayMs: -1, deadlineMs: 1.5 }, startTimeoutMs: 0 }),
    ).toThrow(/shutdown\.delayMs[\s\S]*shutdown\.deadlineMs[\s\S]*startTimeoutMs/);
  });
});
