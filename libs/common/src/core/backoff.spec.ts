import { backoffCeiling, backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const options = { baseMs: 100, maxMs: 5_000 };

  it('grows the ceiling exponentially up to the cap', () => {
    expect([0, 1, 2, 3, 6, 10].map((n) => backoffCeiling(n, options))).toEqual([
      100, 200, 400, 800, 5_000, 5_000,
    ]);
  });

  it('draws with full jitter inside [0, ceiling)', () => {
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(400);
    expect(backoffDelay(3, options, () => 0.999999)).toBe(799);
    expect(backoffDelay(20, options, () => 0.5)).toBe(2_500);
  });
});
