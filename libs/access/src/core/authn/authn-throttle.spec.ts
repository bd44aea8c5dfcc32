import { InvalidOptionsError } from '@steward/common';
import { AuthnThrottle } from './authn-throttle.js';

describe('AuthnThrottle', () => {
  const make = () => {
    let now = 0;
    const throttle = new AuthnThrottle({
      maxFailures: 3,
      sourceMaxFailures: 5,
      windowMs: 60_000,
      lockoutMs: 10_000,
      now: () => now,
    });
    return { throttle, advance: (ms: number) => (now += ms) };
  };

  it('throttles a key id from one source only, never the key id everywhere', () => {
    const { throttle } = make();
    expect(throttle.failed('ip:a', 'key:k')).toEqual([]);
    expect(throttle.failed('ip:a', 'key:k')).toEqual([]);
    expect(throttle.failed('ip:a', 'key:k')).toEqual(['key']);
    expect(throttle.pair('key:k', 'ip:a')).toEqual({ locked: true, retryAfterMs: 10_000 });
    expect(throttle.pair('key:k', 'ip:b')).toEqual({ locked: false });
    expect(throttle.pair('key:other', 'ip:a')).toEqual({ locked: false });
  });

  it('throttles a source after sourceMaxFailures of any kind, and lifts it after lockoutMs', () => {
    const { throttle, advance } = make();
    const started = Array.from({ length: 5 }, (_, i) => throttle.failed('ip:a', `key:${i}`));
    expect(started.at(-1)).toEqual(['source']);
    expect(throttle.source('ip:a').locked).toBe(true);
    expect(throttle.source('ip:b').locked).toBe(false);
    advance(10_000);
    expect(throttle.source('ip:a').locked).toBe(false);
  });

  it('forgets a pair’s failures after a success from that pair, but not a running throttle', () => {
    const { throttle } = make();
    throttle.failed('ip:a', 'key:k');
    throttle.failed('ip:a', 'key:k');
    throttle.succeeded('key:k', 'ip:a');
    expect(throttle.failed('ip:a', 'key:k')).toEqual([]);
    throttle.failed('ip:a', 'key:k');
    throttle.failed('ip:a', 'key:k');
    throttle.succeeded('key:k', 'ip:a');
    expect(throttle.pair('key:k', 'ip:a').locked).toBe(true);
  });

  it('refuses a bad sourceMaxFailures with the other options', () => {
    expect(() => new AuthnThrottle({ sourceMaxFailures: 0 })).toThrow(InvalidOptionsError);
  });
});
