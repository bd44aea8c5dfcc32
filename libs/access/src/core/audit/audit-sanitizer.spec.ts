import { Secret } from '@steward/common';
import type { AuditEvent } from '../interfaces/audit-event.interface.js';
import { AUDIT_REDACTED, looksLikeSecret, sanitizeAuditEvent } from './audit-sanitizer.js';

const jwt =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const apiKey = 'stw_Q2hhbmdlTWUtVGhpc0lzQVJhbmRvbUtleTEyMw';
const password = 'hunter2-Very-Secret';

const base: AuditEvent = {
  time: '2026-01-05T10:00:00.000Z',
  type: 'authn.failure',
  requestId: 'req-1',
  principal: 'alice',
  action: 'pool:drain',
  resource: 'pool:db',
  decision: 'deny',
  policyIds: ['admins-drain'],
  reason: 'bad-credentials',
  sourceIp: '10.0.0.1',
  route: '/admin/pools/:name/drain',
  status: 401,
};

describe('sanitizeAuditEvent', () => {
  it('leaves an ordinary event as it is', () => {
    expect(sanitizeAuditEvent(base)).toEqual(base);
  });

  it('lets no credential through, whatever field or shape it hides in', () => {
    const dirty = {
      ...base,
      reason: `Bearer ${jwt}`,
      principal: apiKey,
      requestId: `id ${jwt}`,
      route: `postgres://app:${password}@db.internal:5432/prod`,
      token: 'plain-token-value-1',
      password,
      Authorization: 'Basic YWxpY2U6c2VjcmV0',
      apiKey: 'k-123',
      api_key: 'k-456',
      connectionString: 'Server=db;User Id=sa;Password=Pa55w0rd!',
      details: {
        header: `authorization: Bearer ${jwt}`,
        query: `?access_token=${jwt}&x=1`,
        note: `password=${password}`,
        nested: { clientSecret: 'c-secret-value', list: [apiKey, 'ok'] },
        pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIE...',
        wrapped: new Secret('s3cr3t-value-that-prints-redacted'),
      },
      policyIds: [jwt, 'p1'],
    } as unknown as AuditEvent;
    const out = JSON.stringify(sanitizeAuditEvent(dirty));
    for (const secret of [
      jwt,
      apiKey,
      password,
      'plain-token-value-1',
      'YWxpY2U6c2VjcmV0',
      'k-123',
      'k-456',
      'Pa55w0rd!',
      'c-secret-value',
      'MIIE',
      's3cr3t-value',
      'eyJ',
    ]) {
      expect(out).not.toContain(secret);
    }
    // Redacted values keep their place; credential-named keys are gone entirely.
    const clean = sanitizeAuditEvent(dirty) as unknown as Record<string, unknown>;
    expect(clean.reason).toBe(AUDIT_REDACTED);
    expect(clean.policyIds).toEqual([AUDIT_REDACTED, 'p1']);
    expect(Object.keys(clean)).not.toEqual(expect.arrayContaining(['token']));
    expect(clean).not.toHaveProperty('password');
    expect(clean).not.toHaveProperty('Authorization');
    expect(clean.details).toMatchObject({ nested: { list: [AUDIT_REDACTED, 'ok'] } });
  });

  it('replaces CR, LF and other control characters so no line can be forged', () => {
    const forged = sanitizeAuditEvent({
      ...base,
      principal: 'alice\r\n{"type":"authz.decision","decision":"allow"}',
      reason: 'a\u0000b\u001bc\u2028d\u0085e\tf',
    });
    expect(forged.principal).not.toMatch(/[\r\n]/);
    expect(forged.principal).toBe('alice  {"type":"authz.decision","decision":"allow"}');
    expect(forged.reason).toBe('a b c d e f');
    expect(JSON.stringify(forged)).not.toMatch(/\\[rnt]|\\u00|[\u0000-\u001f]/);
  });

  it('caps every string, list and nesting level', () => {
    const long = 'x'.repeat(5_000);
    const deep = { a: { b: { c: { d: { e: 1 } } } } };
    const out = sanitizeAuditEvent(
      { ...base, route: long, policyIds: Array.from({ length: 500 }, (_, i) => `p${i}`), deep } as AuditEvent,
      { maxFieldLength: 100 },
    ) as AuditEvent & { deep: unknown };
    expect(out.route).toHaveLength(100);
    expect(out.route!.endsWith('…')).toBe(true);
    expect(out.policyIds).toHaveLength(64);
    expect(out.deep).toEqual({ a: { b: {} } });
  });

  it('does not modify its input and drops prototype keys, functions and throwing getters', () => {
    const input = JSON.parse('{"time":"t","type":"privileged","__proto__":{"admin":true},"reason":"a\\nb"}');
    Object.defineProperty(input, 'boom', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    input.fn = () => 1;
    const out = sanitizeAuditEvent(input as AuditEvent);
    expect(input.reason).toBe('a\nb');
    expect(Object.keys(out).sort()).toEqual(['reason', 'time', 'type']);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('does not mistake ordinary identifiers for secrets', () => {
    for (const value of [
      'pool:drain',
      '/admin/pools/:name/drain',
      '3f2a1c9e-1b2d-4e5f-8a9b-0c1d2e3f4a5b',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'no-matching-policy',
      'the_quick_brown_fox_jumps_over_the_lazy_dog',
      '2026-01-05T10:00:00.000Z',
    ]) {
      expect(looksLikeSecret(value)).toBe(false);
    }
  });
});

describe('sanitizeAuditEvent at the cap', () => {
  it('redacts a credential that the length cap would cut in half', () => {
    const key = 'stw_Q2hhbmdlTWUtVGhpc0lzQVJhbmRvbUtleTEyMw';
    const value = `${'x '.repeat(245)}${key}`; // the key starts at 490, the cap is 512
    expect(sanitizeAuditEvent({ ...base, reason: value }).reason).toBe(AUDIT_REDACTED);
    expect(sanitizeAuditEvent({ ...base, reason: `${'y'.repeat(1_000_000)}` }).reason).toHaveLength(512);
  });
});
