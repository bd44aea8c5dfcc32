import { inspect } from 'node:util';
import { Secret, SecretError } from './secret.js';

describe('Secret', () => {
  const value = 'pepper-0123456789abcdef';

  it('never prints its value', () => {
    const secret = new Secret(value);
    const outputs = [
      String(secret),
      `${secret}`,
      JSON.stringify({ secret }),
      inspect(secret),
      inspect({ nested: { secret } }, { depth: 5 }),
      JSON.stringify({ ...secret }),
    ];
    for (const output of outputs) expect(output).not.toContain(value);
    expect(String(secret)).toBe('[REDACTED]');
    expect(JSON.stringify({ secret })).toBe('{"secret":"[REDACTED]"}');
  });

  it('reveals the value only on request', () => {
    expect(new Secret(value).reveal()).toBe(value);
  });

  it('rejects a short secret naming the setting, not the value', () => {
    const attempt = () => new Secret('short', { minLength: 16, name: 'access.pepper' });
    expect(attempt).toThrow(SecretError);
    expect(attempt).toThrow('access.pepper must be at least 16 characters long');
    try {
      attempt();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('short');
      expect((error as SecretError).code).toBe('STEWARD_SECRET_INVALID');
    }
  });
});
