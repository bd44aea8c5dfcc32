import { wallClockNow } from './clock.js';

describe('wallClockNow', () => {
  it('tells the wall clock to within a millisecond and never goes back', () => {
    let previous = wallClockNow();
    for (let i = 0; i < 10_000; i++) {
      const now = wallClockNow();
      expect(now).toBeGreaterThanOrEqual(previous);
      previous = now;
    }
    const [before, now, after] = [Date.now(), wallClockNow(), Date.now()];
    expect(Math.floor(now)).toBeGreaterThanOrEqual(before - 1);
    expect(Math.floor(now)).toBeLessThanOrEqual(after + 1);
  });
});
