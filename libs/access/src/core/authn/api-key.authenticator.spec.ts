import { InvalidOptionsError, Secret } from '@steward/common';
import { ApiKeyAuthenticator } from './api-key.authenticator.js';
import { mintApiKey } from './api-key.js';
import { ApiKeyLimitError } from './authn.errors.js';
import { InMemoryApiKeyStore } from './in-memory-api-key.store.js';

const pepper = new Secret('pepper-'.repeat(6));
const T0 = Date.parse('2026-01-01T00:00:00Z');

// A Secret is frozen: count its reveals (one per HMAC) from outside.
const reveals = new WeakMap<Secret, number>();
class CountingSecret extends Secret {
  override reveal(): string {
    reveals.set(this, (reveals.get(this) ?? 0) + 1);
    return super.reveal();
  }
}

function setup(now = () => T0) {
  const store = new InMemoryApiKeyStore([], now);
  const authenticator = new ApiKeyAuthenticator({ pepper, store, now });
  const mint = (clientId = 'svc', extra: Partial<Parameters<typeof mintApiKey>[0]> = {}) => {
    const minted = mintApiKey({ pepper, clientId, roles: ['reader'], now: new Date(now()), ...extra });
    store.add(minted.record);
    return minted;
  };
  return { store, authenticator, mint };
}

describe('ApiKeyAuthenticator', () => {
  it('authenticates a valid key as its client with its roles and key id', async () => {
    const { authenticator, mint } = setup();
    const { key, record } = mint('svc', { tenant: 't1' });
    const result = await authenticator.authenticate({ apiKey: key }, {});
    expect(result).toEqual({
      kind: 'success',
      principal: {
        id: 'client:svc',
        roles: ['reader'],
        tenant: 't1',
        attributes: { keyId: record.keyId, clientId: 'svc' },
        authMethod: 'api-key',
      },
      subject: `key:${record.keyId}`,
    });
  });

  it('accepts a key sent as a Bearer token', async () => {
    const { authenticator, mint } = setup();
    const result = await authenticator.authenticate({ bearer: mint().key }, {});
    expect(result.kind).toBe('success');
  });

  it('leaves credentials of other kinds to other authenticators', async () => {
    const { authenticator } = setup();
    expect(await authenticator.authenticate({ bearer: 'a.b.c' }, {})).toEqual({ kind: 'no-credentials' });
    expect(await authenticator.authenticate({}, {})).toEqual({ kind: 'no-credentials' });
    expect(await authenticator.authenticate({ apiKey: 'live_abc' }, {})).toEqual({ kind: 'no-credentials' });
  });

  it('fails a key with a wrong secret part for the same key id', async () => {
    const { authenticator, mint } = setup();
    const { key, record } = mint();
    const forged = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    expect(await authenticator.authenticate({ apiKey: forged }, {})).toEqual({
      kind: 'failure',
      method: 'api-key',
      reason: 'invalid-key',
      subject: `key:${record.keyId}`,
    });
  });

  it('fails unknown, malformed, revoked and expired keys with distinct reasons and no secret', async () => {
    let now = T0;
    const { authenticator, mint, store } = setup(() => now);
    const unknown = mintApiKey({ pepper, clientId: 'ghost' }).key;
    const revoked = mint('a');
    store.revoke(revoked.record.keyId);
    const expiring = mint('b', { expiresAt: new Date(T0 + 1_000) });
    now = T0 + 1_000;
    const results = await Promise.all(
      [unknown, 'stw_nope', revoked.key, expiring.key].map((apiKey) =>
        authenticator.authenticate({ apiKey }, {}),
      ),
    );
    expect(results.map((r) => (r.kind === 'failure' ? r.reason : r.kind))).toEqual([
      'unknown-key',
      'malformed',
      'revoked',
      'expired',
    ]);
    const text = JSON.stringify(results);
    for (const key of [unknown, revoked.key, expiring.key]) expect(text).not.toContain(key.slice(16));
  });

  it('rotates: two active keys per client both work, a third is refused until one is revoked', async () => {
    const { authenticator, mint, store } = setup();
    const first = mint('svc');
    const second = mint('svc');
    expect((await authenticator.authenticate({ apiKey: first.key }, {})).kind).toBe('success');
    expect((await authenticator.authenticate({ apiKey: second.key }, {})).kind).toBe('success');
    expect(() => mint('svc')).toThrow(ApiKeyLimitError);
    store.revoke(first.record.keyId);
    expect((await authenticator.authenticate({ apiKey: first.key }, {})).kind).toBe('failure');
    const third = mint('svc');
    expect((await authenticator.authenticate({ apiKey: third.key }, {})).kind).toBe('success');
  });

  it('answers synchronously from a synchronous store, so the guard needs no Promise', () => {
    const { authenticator, mint } = setup();
    const result = authenticator.authenticate({ apiKey: mint().key }, {});
    expect(result).not.toBeInstanceOf(Promise);
    expect((result as { kind: string }).kind).toBe('success');
  });

  it('verifies against an asynchronous store the same way, wrong secrets and revocations included', async () => {
    const { mint, store } = setup();
    // A database-backed store hands out a fresh, unfrozen object per lookup.
    const authenticator = new ApiKeyAuthenticator({
      pepper,
      now: () => T0,
      store: { findByKeyId: async (keyId) => ({ ...store.list().find((r) => r.keyId === keyId)! }) },
    });
    const { key, record } = mint();
    const pending = authenticator.authenticate({ apiKey: key }, {});
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending).kind).toBe('success');
    const forged = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    expect(await authenticator.authenticate({ apiKey: forged }, {})).toMatchObject({ reason: 'invalid-key' });
    store.revoke(record.keyId);
    expect(await authenticator.authenticate({ apiKey: key }, {})).toMatchObject({ reason: 'revoked' });
  });

  it('refuses a key revoked after it was accepted: nothing about the earlier success is reused', async () => {
    const { authenticator, mint, store } = setup();
    const { key, record } = mint();
    for (let i = 0; i < 3; i++)
      expect((await authenticator.authenticate({ apiKey: key }, {})).kind).toBe('success');
    store.revoke(record.keyId);
    expect(await authenticator.authenticate({ apiKey: key }, {})).toMatchObject({ reason: 'revoked' });
  });

  it("fails a record whose stored hash differs from the key's HMAC, valid hex or not", async () => {
    const { mint } = setup();
    const { key, record } = mint();
    for (const hash of [
      '',
      'zz',
      record.hash.slice(0, -2),
      record.hash.replace(/^./, (c) => (c === '0' ? '1' : '0')),
    ]) {
      const authenticator = new ApiKeyAuthenticator({
        pepper,
        store: new InMemoryApiKeyStore([{ ...record, hash }], () => T0),
        now: () => T0,
      });
      expect(await authenticator.authenticate({ apiKey: key }, {})).toMatchObject({ reason: 'invalid-key' });
    }
  });

  describe('verified-key cache', () => {
    const counted = (
      options: { verifiedCacheMs?: number; verifiedCacheSize?: number },
      clock: () => number,
    ) => {
      const secret = new CountingSecret(pepper.reveal());
      let record = mintApiKey({ pepper, clientId: 'svc', now: new Date(clock()) }).record;
      const keys = [0, 1, 2].map(() => mintApiKey({ pepper, clientId: 'svc', now: new Date(clock()) }));
      const records = new Map(keys.map((k) => [k.record.keyId, k.record]));
      const authenticator = new ApiKeyAuthenticator({
        pepper: secret,
        now: clock,
        store: { findByKeyId: (id) => records.get(id) },
        ...options,
      });
      const hmacs = () => (reveals.get(secret) ?? 0) - 1; // one reveal at construction
      const replace = (i: number, changes: Partial<typeof record>) => {
        record = { ...keys[i]!.record, ...changes };
        records.set(record.keyId, record);
      };
      return { authenticator, keys, hmacs, replace };
    };

    it('skips the HMAC for a key it verified until verifiedCacheMs passes; a wrong key always pays', () => {
      let now = T0;
      const { authenticator, keys, hmacs } = counted({ verifiedCacheMs: 1_000 }, () => now);
      const key = keys[0]!.key;
      const forged = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
      for (let i = 0; i < 3; i++)
        expect(authenticator.authenticate({ apiKey: key }, {})).toMatchObject({ kind: 'success' });
      expect(hmacs()).toBe(1);
      for (let i = 0; i < 2; i++)
        expect(authenticator.authenticate({ apiKey: forged }, {})).toMatchObject({ reason: 'invalid-key' });
      expect(hmacs()).toBe(3);
      now += 1_000;
      expect(authenticator.authenticate({ apiKey: key }, {})).toMatchObject({ kind: 'success' });
      expect(hmacs()).toBe(4);
    });

    it('never lets a remembered key past a revocation, an expiry or a changed hash in the store', () => {
      let now = T0;
      const { authenticator, keys, replace } = counted({}, () => now);
      const ok = (i: number) => authenticator.authenticate({ apiKey: keys[i]!.key }, {});
      for (const i of [0, 1, 2]) expect(ok(i)).toMatchObject({ kind: 'success' });
      replace(0, { revokedAt: new Date(now).toISOString() });
      replace(1, { expiresAt: new Date(now + 10).toISOString() });
      replace(2, { hash: mintApiKey({ pepper, clientId: 'svc' }).record.hash });
      now += 10;
      expect([0, 1, 2].map((i) => (ok(i) as { reason?: string }).reason)).toEqual([
        'revoked',
        'expired',
        'invalid-key',
      ]);
    });

    it('remembers at most verifiedCacheSize keys and none with 0', () => {
      const bounded = counted({ verifiedCacheSize: 2 }, () => T0);
      for (const i of [0, 1, 2, 0]) bounded.authenticator.authenticate({ apiKey: bounded.keys[i]!.key }, {});
      expect(bounded.hmacs()).toBe(4); // key 0 was pushed out by key 2
      const off = counted({ verifiedCacheMs: 0 }, () => T0);
      for (let i = 0; i < 3; i++) off.authenticator.authenticate({ apiKey: off.keys[0]!.key }, {});
      expect(off.hmacs()).toBe(3);
    });
  });

  it('refuses a short pepper, a bad prefix and a missing store at construction, all at once', () => {
    let caught: unknown;
    try {
      new ApiKeyAuthenticator({
        pepper: new Secret('tiny'),
        prefix: 'Bad_',
        store: undefined as unknown as InMemoryApiKeyStore,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    expect((caught as InvalidOptionsError).issues.map((i) => i.path)).toEqual(['pepper', 'prefix', 'store']);
  });
});
