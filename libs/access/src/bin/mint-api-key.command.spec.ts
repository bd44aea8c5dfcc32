import { Secret } from '@steward/common';
import { hashApiKey, parseApiKey } from '../core/authn/api-key.js';
import { PEPPER_ENV, runMintApiKey } from './mint-api-key.command.js';

const pepper = 'cli-pepper-0123456789-0123456789-abc';

describe('steward-api-key mint', () => {
  it('prints the key once and a record holding only its HMAC', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const result = runMintApiKey(
      ['--client', 'ops', '--roles', 'admin, metrics', '--expires-in-days', '30', '--label', 'laptop'],
      { [PEPPER_ENV]: pepper },
      now,
    );
    expect(result.code).toBe(0);
    const key = result.stdout.match(/^stw_[0-9A-Za-z]{44}$/m)?.[0];
    expect(key).toBeDefined();
    expect(result.stdout.split(key!).length - 1).toBe(1);
    const record = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    expect(record).toMatchObject({
      keyId: parseApiKey(key)!.keyId,
      clientId: 'ops',
      roles: ['admin', 'metrics'],
      label: 'laptop',
      expiresAt: '2026-01-31T00:00:00.000Z',
      hash: hashApiKey(new Secret(pepper), key!),
    });
    expect(result.stdout).not.toContain(pepper);
  });

  it('refuses a missing or short pepper without echoing it', () => {
    expect(runMintApiKey(['--client', 'ops'], {})).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(PEPPER_ENV),
    });
    const short = runMintApiKey(['--client', 'ops'], { [PEPPER_ENV]: 'tiny-pepper' });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('at least 32 characters');
    expect(short.stderr + short.stdout).not.toContain('tiny-pepper');
  });

  it('requires --client and rejects unknown flags', () => {
    expect(runMintApiKey([], { [PEPPER_ENV]: pepper }).code).toBe(2);
    expect(runMintApiKey(['--client', 'x', '--pepper', 'p'], { [PEPPER_ENV]: pepper }).code).toBe(2);
  });
});
