import { FailureThrottle } from './failure-throttle.js';

describe('FailureThrottle', () => {
  function make(extra = {}) {
    let now = 0;
    const throttle = new FailureThrottle({
      maxFailures: 3,
      windowMs: 1_000,
      lockoutMs: 5_000,
      now: () => now,
      ...extra,
    });
    return { throttle, advance: (ms: number) => (now += ms) };
  }

  it('locks a key out after maxFailures inside the window and says for how long', () => {
    const { throttle, advance } = make();
    expect(throttle.recordFailure('ip:1')).toBe(false);
    expect(throttle.recordFailure('ip:1')).toBe(false);
    expect(throttle.check('ip:1')).toEqual({ locked: false });
    expect(throttle.recordFailure('ip:1')).toBe(true);
    advance(1_000);
    expect(throttle.check('ip:1')).toEqual({ locked: true, retryAfterMs: 4_000 });
    expect(throttle.check('ip:2')).toEqual({ locked: false });
    advance(4_000);
    expect(throttle.check('ip:1')).toEqual({ locked: false });
  });

  it('forgets failures that slid out of the window', () => {
    const { throttle, advance } = make();
    throttle.recordFailure('k');
    throttle.recordFailure('k');
    advance(1_000);
    expect(throttle.recordFailure('k')).toBe(false);
    expect(throttle.check('k').locked).toBe(false);
  });

  it('forgets stale keys as checks come in, down to an empty table', () => {
    const { throttle, advance } = make();
    throttle.recordFailure('a');
    throttle.recordFailure('b');
    for (let i = 0; i < 3; i++) throttle.recordFailure('c'); // locked for 5 s
    advance(999);
    throttle.check('x');
    expect(throttle.size).toBe(3); // still inside the window
    advance(1);
    throttle.check('x');
    throttle.check('x');
    expect(throttle.size).toBe(1); // 'a' and 'b' went, one per check
    throttle.check('x');
    expect(throttle.size).toBe(1); // a running lockout stays
    expect(throttle.check('c').locked).toBe(true);
    advance(5_000);
    expect(throttle.check('c')).toEqual({ locked: false });
    expect(throttle.size).toBe(0);
  });

  it('reset clears failures but not a running lockout', () => {
    const { throttle } = make();
    throttle.recordFailure('a');
    throttle.recordFailure('a');
    throttle.reset('a');
    expect(throttle.recordFailure('a')).toBe(false);
    throttle.recordFailure('a');
    throttle.recordFailure('a');
    throttle.reset('a');
    expect(throttle.check('a').locked).toBe(true);
  });

  it('tracks at most maxTrackedKeys, evicting the least recently touched', () => {
    const { throttle } = make({ maxTrackedKeys: 100 });
    for (let i = 0; i < 10_000; i++) throttle.recordFailure(`ip:${i}`);
    expect(throttle.size).toBe(100);
    throttle.recordFailure('ip:9900');
    throttle.recordFailure('new');
    expect(throttle.size).toBe(100);
  });

  it('keeps a running lockout when a flood of new keys forces evictions', () => {
    const { throttle } = make({ maxTrackedKeys: 10 });
    for (let i = 0; i < 3; i++) throttle.recordFailure('subject:key:victim');
    for (let i = 0; i < 1_000; i++) throttle.recordFailure(`subject:key:spray-${i}`);
    expect(throttle.size).toBe(10);
    expect(throttle.check('subject:key:victim').locked).toBe(true);
  });

  it('stays bounded when every tracked key is locked out', () => {
    const { throttle } = make({ maxTrackedKeys: 5, maxFailures: 1 });
    for (let i = 0; i < 100; i++) expect(throttle.recordFailure(`ip:${i}`)).toBe(true);
    expect(throttle.size).toBe(5);
    expect(throttle.check('ip:99').locked).toBe(true);
  });
});
