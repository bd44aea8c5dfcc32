import { InvalidOptionsError, Secret } from '@steward/common';
import { API_KEY_SECRET_LENGTH, hashApiKey, mintApiKey, parseApiKey, randomBase62 } from './api-key.js';

const pepper = new Secret('p'.repeat(40));

describe('mintApiKey', () => {
  it('mints <prefix>_<key id><secret> with at least 128 bits in the secret part', () => {
    const { key, record } = mintApiKey({ pepper, clientId: 'ci', roles: ['reader'], prefix: 'stw' });
    expect(key).toMatch(/^stw_[0-9A-Za-z]{44}$/);
    expect(API_KEY_SECRET_LENGTH * Math.log2(62)).toBeGreaterThanOrEqual(128);
    expect(parseApiKey(key)).toEqual({ prefix: 'stw', keyId: record.keyId });
    expect(key.slice(4, 16)).toBe(record.keyId);
  });

  it('stores the HMAC of the key under the pepper, never the key', () => {
    const { key, record } = mintApiKey({ pepper, clientId: 'ci' });
    expect(record.hash).toBe(hashApiKey(pepper, key));
    expect(record.hash).not.toBe(hashApiKey(new Secret('q'.repeat(40)), key));
    expect(JSON.stringify(record)).not.toContain(key.slice(16));
  });

  it('never mints the same key twice', () => {
    const keys = new Set(Array.from({ length: 200 }, () => mintApiKey({ pepper, clientId: 'c' }).key));
    expect(keys.size).toBe(200);
  });

  it('lists every bad option at once without echoing the pepper', () => {
    let caught: unknown;
    try {
      mintApiKey({
        pepper: new Secret('short-pepper'),
        clientId: '',
        prefix: 'Bad_',
        expiresAt: new Date(0),
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    const issues = (caught as InvalidOptionsError).issues.map((i) => i.path).sort();
    expect(issues).toEqual(['clientId', 'expiresAt', 'pepper', 'prefix']);
    expect((caught as Error).message).not.toContain('short-pepper');
  });
});

describe('parseApiKey', () => {
  it.each([
    undefined,
    '',
    'stw_',
    'stw_short',
    'STW_' + 'a'.repeat(44),
    'stw-' + 'a'.repeat(44),
    'stw_' + 'a'.repeat(45),
    'stw_' + '!'.repeat(44),
  ])('rejects %p', (value) => {
    expect(parseApiKey(value)).toBeUndefined();
  });
});

describe('randomBase62', () => {
  it('uses the whole alphabet', () => {
    const seen = new Set(randomBase62(20_000));
    expect(seen.size).toBe(62);
  });
});
