import { parseDatetime, parseDecimal, parseDuration, parseIp } from './cedar-extensions.js';

// Each expectation below is what cedar-wasm 4.13 answered for the same input (checked by hand and by
// the differential test, which feeds these shapes to both).

const accepts = (parse: (s: string) => unknown, s: string): boolean => {
  try {
    parse(s);
    return true;
  } catch {
    return false;
  }
};

describe('Cedar extension parsing', () => {
  it.each([
    ['10.0.0.1', true],
    ['10.0.0.0/8', true],
    ['::', true],
    ['1:2:3:4:5:6:7::', true],
    ['::1:2:3:4:5:6:7', true],
    ['0001::', true],
    ['00001::', false],
    ['01.0.0.0', false],
    ['10.0.0.1/08', false],
    ['10.0.0.1/33', false],
    ['::ffff:1.2.3.4', false],
    ['fe80::1%eth0', false],
    [' 1.2.3.4', false],
    ['1.2.3', false],
    ['1.2.3.4/', false],
    ['1.2.3.4/+1', false],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false],
    ['[::1]', false],
  ])('ip(%j) parses: %s', (input, ok) => {
    expect(accepts(parseIp, input)).toBe(ok);
  });

  it('keeps host bits and prefix in ip equality and ranges', () => {
    expect(parseIp('10.0.0.1/24').equals(parseIp('10.0.0.0/24'))).toBe(false);
    expect(parseIp('10.0.0.1').equals(parseIp('10.0.0.1/32'))).toBe(true);
    expect(parseIp('10.0.0.1').isInRange(parseIp('10.0.0.0/8'))).toBe(true);
    expect(parseIp('10.0.0.0/7').isInRange(parseIp('10.0.0.0/8'))).toBe(false);
    expect(parseIp('127.0.0.1/4').isLoopback()).toBe(false);
    expect(parseIp('127.0.0.1/8').isLoopback()).toBe(true);
    expect(parseIp('224.0.0.0/3').isMulticast()).toBe(false);
    expect(parseIp('ff00::/8').isMulticast()).toBe(true);
  });

  it.each([
    ['1.5', 15_000n],
    ['-0.5', -5_000n],
    ['01.0', 10_000n],
    ['922337203685477.5807', 9_223_372_036_854_775_807n],
    ['-922337203685477.5808', -9_223_372_036_854_775_808n],
  ])('decimal(%j) is %s', (input, value) => {
    expect(parseDecimal(input).value).toBe(value);
  });

  it.each(['1', '.5', '+1.0', '1.00000', '1.2.3', '922337203685477.5808'])(
    'decimal(%j) is an error',
    (input) => {
      expect(accepts(parseDecimal, input)).toBe(false);
    },
  );

  it('parses datetimes with offsets and milliseconds, and refuses invalid dates', () => {
    expect(parseDatetime('2024-01-01T01:00:00+0100').ms).toBe(parseDatetime('2024-01-01').ms);
    expect(parseDatetime('2024-01-01T00:00:00.001Z').ms - parseDatetime('2024-01-01').ms).toBe(1n);
    expect(parseDatetime('0000-01-01').ms).toBe(-62_167_219_200_000n);
    for (const bad of [
      '2024-02-30',
      '2024-01-01T24:00:00Z',
      '2024-1-01',
      '2024-01-01T00:00:00.1Z',
      '2024-01-01T00:00:00+2400',
    ]) {
      expect(accepts(parseDatetime, bad)).toBe(false);
    }
  });

  it('parses durations in unit order only', () => {
    expect(parseDuration('1d2h3m4s5ms').ms).toBe(93_784_005n);
    expect(parseDuration('-36h').ms).toBe(-129_600_000n);
    expect(parseDuration('106751991167d').ms).toBe(9_223_372_036_828_800_000n);
    for (const bad of ['1h1d', '', '1.5h', '1H', '-1h-1m', '106751991168d']) {
      expect(accepts(parseDuration, bad)).toBe(false);
    }
  });
});
