import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApiKeyCommand } from './api-key.command.js';
import { runAuditCommand } from './audit.command.js';
import { Secret } from '@steward/common';
import { hashApiKey, mintApiKey } from '../core/authn/api-key.js';
import { InMemoryApiKeyStore } from '../core/authn/in-memory-api-key.store.js';
import type { ApiKeyRecord } from '../core/authn/interfaces/api-key-store.interface.js';
import type { KeyStoreLike } from './api-key-store.command.js';
import { PEPPER_ENV } from './mint-api-key.command.js';

const pepper = 'cli-pepper-0123456789-0123456789-abc';

describe('steward-api-key', () => {
  it('mint prints the key once, then the record', async () => {
    const result = await runApiKeyCommand(['mint', '--client', 'ops', '--roles', 'admin'], {
      [PEPPER_ENV]: pepper,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^stw_[0-9A-Za-z]{44}$/m);
    expect(JSON.parse(result.stdout.slice(result.stdout.indexOf('{')))).toMatchObject({ clientId: 'ops' });
  });

  it('refuses a missing or unknown command with exit 2 and the usage', async () => {
    for (const argv of [[], ['forge', '--client', 'x']]) {
      const result = await runApiKeyCommand(argv, { [PEPPER_ENV]: pepper });
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain('Usage: steward-api-key <command>');
    }
  });
});

/** The PostgreSQL store's surface over the in-memory one, recording what the commands did. */
class StoreDouble implements KeyStoreLike {
  readonly memory = new InMemoryApiKeyStore([], () => Date.parse('2026-03-01T00:00:00Z'));
  closed = 0;
  connection?: string;
  async ensureTable() {}
  async findByKeyId(keyId: string) {
    return this.memory.findByKeyId(keyId);
  }
  async add(record: ApiKeyRecord) {
    this.memory.add(record);
  }
  async revoke(keyId: string, at?: Date) {
    this.memory.revoke(keyId, at);
    return this.memory.findByKeyId(keyId)!;
  }
  async list(options: { clientId?: string } = {}) {
    return this.memory.list().filter((r) => !options.clientId || r.clientId === options.clientId);
  }
  async close() {
    this.closed++;
  }
}

describe('steward-api-key against the key store', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  const env = { [PEPPER_ENV]: pepper, DATABASE_URL: 'postgres://u:secret-pw@db/keys' };
  const setup = () => {
    const store = new StoreDouble();
    const run = (...argv: string[]) =>
      runApiKeyCommand(argv, env, now, {
        openStore: (cs: Secret) => ((store.connection = cs.reveal()), store),
      });
    const old = mintApiKey({
      pepper: new Secret(pepper),
      clientId: 'ops',
      roles: ['admin'],
      tenant: 't1',
      label: 'ci',
      now,
    });
    store.memory.add(old.record);
    return { store, run, old };
  };

  it('lists keys without their hashes, and as JSON records with --json', async () => {
    const { run, old } = setup();
    const table = await run('list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${old.record.keyId}\\s+ops\\s+admin\\s+active`, 'm'));
    expect(table.stdout).not.toContain(old.record.hash);
    const json = await run('list', '--json', '--client', 'ops');
    expect(JSON.parse(json.stdout)).toEqual([old.record]);
    expect((await run('list', '--client', 'nobody')).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('revokes by key id and says within what time every replica refuses it', async () => {
    const { store, run, old } = setup();
    const result = await run('revoke', old.record.keyId);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('within its cacheMs (5 s') });
    expect(store.memory.findByKeyId(old.record.keyId)?.revokedAt).toBe(now.toISOString());
    expect(await run('revoke', 'missing00000')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no API key'),
    });
    expect(store.closed).toBe(2);
  });

  it('rotates: a successor with the same client, roles and tenant, printed once; the old key stays until revoked', async () => {
    const { store, run, old } = setup();
    const result = await run('rotate', old.record.keyId, '--expires-in-days', '30');
    expect(result.code).toBe(0);
    const key = result.stdout.match(/^stw_[0-9A-Za-z]{44}$/m)![0];
    const record = JSON.parse(
      result.stdout.slice(result.stdout.indexOf('{'), result.stdout.lastIndexOf('}') + 1),
    );
    expect(record).toMatchObject({
      clientId: 'ops',
      roles: ['admin'],
      tenant: 't1',
      label: 'ci',
      expiresAt: '2026-03-31T00:00:00.000Z',
      hash: hashApiKey(new Secret(pepper), key),
    });
    expect(store.memory.findByKeyId(record.keyId)).toBeDefined();
    expect(store.memory.findByKeyId(old.record.keyId)?.revokedAt).toBeUndefined();
    expect(result.stdout).toContain(`steward-api-key revoke ${old.record.keyId}`);
    // Two active keys now: a third rotation needs --revoke-old.
    expect(await run('rotate', old.record.keyId)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('2 active'),
    });
    expect((await run('rotate', old.record.keyId, '--revoke-old')).code).toBe(0);
    expect(store.memory.findByKeyId(old.record.keyId)?.revokedAt).toBe(now.toISOString());
    expect(await run('rotate', old.record.keyId)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('revoked'),
    });
  });

  it('reads the database from the environment only and never prints it', async () => {
    const { run, store } = setup();
    const missing = await runApiKeyCommand(['list'], { [PEPPER_ENV]: pepper }, now);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('DATABASE_URL is not set') });
    const results = [await run('list'), await run('revoke', 'missing00000'), await run('list', '--nope')];
    expect(store.connection).toBe(env.DATABASE_URL);
    for (const r of results) expect(r.stdout + r.stderr).not.toContain('secret-pw');
  });

  it('prints the migration without a database with migrate --print', async () => {
    const result = await runApiKeyCommand(['migrate', '--print', '--table', 'keys'], {}, now);
    expect(result).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('create table if not exists keys ('),
    });
    expect((await runApiKeyCommand(['migrate', '--print', '--table', 'Bad-Name'], {}, now)).code).toBe(2);
  });
});

describe('steward-audit', () => {
  it('verify checks a file; an unknown command exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'steward-audit-cmd-'));
    try {
      const out: string[] = [];
      const err: string[] = [];
      const output = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
      expect(await runAuditCommand(['verify', join(dir, 'missing.jsonl')], output)).toBe(2);
      expect(err.join('\n')).toContain('ENOENT');
      expect(await runAuditCommand(['check', 'x'], output)).toBe(2);
      expect(err.join('\n')).toContain("unknown command 'check'");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
