import { InvalidOptionsError, Secret } from '@steward/common';
import { ApiKeyAuthenticator } from './api-key.authenticator.js';
import { mintApiKey } from './api-key.js';
import { ApiKeyLimitError } from './authn.errors.js';
import { InMemoryApiKeyStore } from './in-memory-api-key.store.js';
import type { AuthnResult } from './interfaces/authenticator.interface.js';

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
        id: 'svc',
        roles: ['reader'],
        tenant: 't1',
        attributes: { keyId: record.keyId },
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

  describe('per-connection proof', () => {
    const forge = (key: string) => key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
    const on = (authenticator: ApiKeyAuthenticator, key: string, connection: object) =>
      authenticator.authenticate({ apiKey: key }, { connection }) as AuthnResult;
    const reasonOf = (result: AuthnResult) => (result.kind === 'failure' ? result.reason : result.kind);

    it('answers every request of a connection with the same frozen result and principal', () => {
      const { authenticator, mint } = setup();
      const { key } = mint();
      const connection = {};
      const first = on(authenticator, key, connection);
      expect(on(authenticator, key, connection)).toBe(first);
      expect(first.kind).toBe('success');
      const { principal } = first as Extract<AuthnResult, { kind: 'success' }>;
      expect(Object.isFrozen(first)).toBe(true);
      expect(() => ((principal as { id: string }).id = 'root')).toThrow(TypeError);
      expect(() => (principal.roles as string[]).push('admin')).toThrow(TypeError);
      expect(() => ((principal.attributes as Record<string, unknown>).keyId = 'x')).toThrow(TypeError);
      expect(on(authenticator, key, connection)).toMatchObject({
        principal: { id: 'svc', roles: ['reader'] },
      });
    });

    it('fails a key revoked in the store on the very connection that proved it', () => {
      const { authenticator, mint, store } = setup();
      const { key, record } = mint();
      const connection = {};
      expect(reasonOf(on(authenticator, key, connection))).toBe('success');
      store.revoke(record.keyId);
      expect(reasonOf(on(authenticator, key, connection))).toBe('revoked');
      expect(reasonOf(on(authenticator, key, connection))).toBe('revoked');
    });

    it('fails a key once it expires, even on a connection that proved it', () => {
      let now = T0;
      const { authenticator, mint } = setup(() => now);
      const { key } = mint('svc', { expiresAt: new Date(T0 + 1_000) });
      const connection = {};
      expect(reasonOf(on(authenticator, key, connection))).toBe('success');
      now = T0 + 999;
      expect(reasonOf(on(authenticator, key, connection))).toBe('success');
      now = T0 + 1_000;
      expect(reasonOf(on(authenticator, key, connection))).toBe('expired');
    });

    it('authenticates another valid key on the same connection as its own principal', () => {
      const { authenticator, mint } = setup();
      const first = mint('svc');
      const second = mint('other');
      const connection = {};
      expect(on(authenticator, first.key, connection)).toMatchObject({ principal: { id: 'svc' } });
      expect(on(authenticator, second.key, connection)).toMatchObject({ principal: { id: 'other' } });
      expect(on(authenticator, first.key, connection)).toMatchObject({ principal: { id: 'svc' } });
    });

    it('fails a wrong secret on a connection that proved the right key, which still works afterwards', () => {
      const { authenticator, mint } = setup();
      const { key, record } = mint();
      const connection = {};
      expect(reasonOf(on(authenticator, key, connection))).toBe('success');
      expect(on(authenticator, forge(key), connection)).toEqual({
        kind: 'failure',
        method: 'api-key',
        reason: 'invalid-key',
        subject: `key:${record.keyId}`,
      });
      expect(reasonOf(on(authenticator, key, connection))).toBe('success');
    });

    it('never matches the proof with a same-length string holding a non-ASCII character', () => {
      const { authenticator, mint } = setup();
      const { key } = mint();
      const connection = {};
      const middle = key.length >> 1;
      for (const candidate of [
        key.slice(0, -1) + 'é',
        key.slice(0, middle) + 'é' + key.slice(middle + 1),
        key.slice(0, middle) + '\u{10000}' + key.slice(middle + 2),
        key.slice(0, middle) + '\ud800' + key.slice(middle + 1),
        key.slice(0, -1) + String.fromCharCode(key.charCodeAt(key.length - 1) + 0x100),
      ]) {
        expect(candidate).toHaveLength(key.length);
        // Twice the right key first: the second compare leaves its bytes behind in the reused buffer.
        for (let i = 0; i < 2; i++) expect(reasonOf(on(authenticator, key, connection))).toBe('success');
        expect(reasonOf(on(authenticator, candidate, connection))).toBe('malformed');
      }
    });

    it('keeps a proof to its own connection', () => {
      const { authenticator, mint } = setup();
      const { key } = mint();
      const proved = {};
      expect(reasonOf(on(authenticator, key, proved))).toBe('success');
      expect(reasonOf(on(authenticator, forge(key), {}))).toBe('invalid-key');
      expect(reasonOf(on(authenticator, forge(key), proved))).toBe('invalid-key');
    });

    it('refuses a rememberPerConnection that is not a boolean', () => {
      const store = new InMemoryApiKeyStore();
      let caught: unknown;
      try {
        new ApiKeyAuthenticator({ pepper, store, rememberPerConnection: 'yes' as unknown as boolean });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidOptionsError);
      expect((caught as InvalidOptionsError).issues.map((i) => i.path)).toEqual(['rememberPerConnection']);
      expect(() => new ApiKeyAuthenticator({ pepper, store, rememberPerConnection: false })).not.toThrow();
    });

    it('authenticates correctly with the verified cache off (verifiedCacheMs: 0)', () => {
      const store = new InMemoryApiKeyStore([], () => T0);
      const authenticator = new ApiKeyAuthenticator({ pepper, store, now: () => T0, verifiedCacheMs: 0 });
      const { key, record } = mintApiKey({ pepper, clientId: 'svc', now: new Date(T0) });
      store.add(record);
      const connection = {};
      for (let i = 0; i < 2; i++)
        expect(on(authenticator, key, connection)).toMatchObject({ kind: 'success' });
      expect(reasonOf(on(authenticator, forge(key), connection))).toBe('invalid-key');
      expect(reasonOf(on(authenticator, key, connection))).toBe('success');
      store.revoke(record.keyId);
      expect(reasonOf(on(authenticator, key, connection))).toBe('revoked');
    });

    it('gives no proof to a record that can change under the same object (getters), so revocation applies', () => {
      // Frozen, but revocation read through a getter: the same object may answer differently later.
      const state: { revokedAt?: string } = {};
      const { key, record } = mintApiKey({ pepper, clientId: 'svc', now: new Date(T0) });
      const live = Object.freeze(
        Object.defineProperty({ ...record }, 'revokedAt', { enumerable: true, get: () => state.revokedAt }),
      );
      const authenticator = new ApiKeyAuthenticator({
        pepper,
        now: () => T0,
        store: { findByKeyId: (id) => (id === record.keyId ? live : undefined) },
      });
      const connection = {};
      expect(reasonOf(on(authenticator, key, connection))).toBe('success');
      expect(reasonOf(on(authenticator, key, connection))).toBe('success');
      state.revokedAt = new Date(T0).toISOString();
      expect(reasonOf(on(authenticator, key, connection))).toBe('revoked');
    });

    it('builds the principal again for a record whose roles can still change', () => {
      const { key, record } = mintApiKey({
        pepper,
        clientId: 'svc',
        roles: ['reader', 'admin'],
        now: new Date(T0),
      });
      const roles = ['reader', 'admin'];
      const shallow = Object.freeze({ ...record, roles }); // frozen record, mutable roles
      const authenticator = new ApiKeyAuthenticator({
        pepper,
        now: () => T0,
        store: { findByKeyId: (id) => (id === record.keyId ? shallow : undefined) },
      });
      const connection = {};
      const first = on(authenticator, key, connection);
      expect(first.kind === 'success' && first.principal.roles).toEqual(['reader', 'admin']);
      roles.pop();
      const second = on(authenticator, key, connection);
      expect(second.kind === 'success' && second.principal.roles).toEqual(['reader']);
    });

    it('treats a null connection as none instead of failing', () => {
      const { authenticator, mint } = setup();
      const { key } = mint();
      const context = { connection: null as unknown as object };
      expect(reasonOf(authenticator.authenticate({ apiKey: key }, context) as AuthnResult)).toBe('success');
      expect(reasonOf(authenticator.authenticate({ apiKey: key }, context) as AuthnResult)).toBe('success');
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
