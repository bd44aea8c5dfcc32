import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileCheckpointAnchor,
  CedarPolicyEngine,
  mintApiKey,
  verifyAuditFile,
  type Authenticator,
} from '@steward/access';
import { InvalidOptionsError, Secret } from '@steward/common';
import { DEMO_ACCESS_ENV, demoAccessConfig } from './demo-access.config.js';
import { DEMO_POLICY_FILE, DEMO_SCHEMA_FILE } from './demo-access.policies.js';

const PEPPER = 'demo-pepper-0123456789-0123456789-xyz';

describe('demoAccessConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'steward-demo-access-'));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  const close = async (config: ReturnType<typeof demoAccessConfig>) => config.options.audit?.close?.();
  const authenticate = (a: Authenticator, apiKey: string) => a.authenticate({ apiKey }, {});

  it("loads the demo's Cedar policies, validated against its schema", () => {
    const engine = new CedarPolicyEngine({
      policies: readFileSync(DEMO_POLICY_FILE, 'utf8'),
      schema: readFileSync(DEMO_SCHEMA_FILE, 'utf8'),
    });
    expect(Object.keys(engine.policies())).toEqual([
      'admins-operate',
      'readers-read-items',
      'admins-write-items',
      'metrics-scrape',
    ]);
    const principal = (id: string, roles: string[]) => ({ id, roles, attributes: {}, authMethod: 'api-key' });
    expect(
      engine.evaluate({
        principal: principal('client:dev-admin', ['admin']),
        action: 'pool:drain',
        resource: { type: 'pool', id: 'db' },
      }),
    ).toMatchObject({ allowed: true, policyIds: ['admins-operate'] });
    expect(
      engine.evaluate({
        principal: principal('client:dev-reader', ['reader']),
        action: 'pool:drain',
        resource: { type: 'pool', id: 'db' },
      }).allowed,
    ).toBe(false);
  });

  it('without keys in the environment, writes one development key per role to a 0600 file', async () => {
    const file = join(dir, 'keys.json');
    const config = demoAccessConfig({ [DEMO_ACCESS_ENV.devKeysFile]: file });
    try {
      expect(config.devKeysFile).toBe(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const keys = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      expect(Object.keys(keys).sort()).toEqual(['admin', 'metrics', 'reader']);
      const result = await authenticate(config.options.authenticators[0]!, keys.admin!);
      expect(result).toMatchObject({
        kind: 'success',
        principal: { id: 'client:dev-admin', roles: ['admin'] },
      });
    } finally {
      await close(config);
    }
  });

  it('never writes the development keys through a link planted at a predictable temp name', async () => {
    const file = join(dir, 'keys.json');
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, `${file}.${process.pid}.tmp`);
    const config = demoAccessConfig({ [DEMO_ACCESS_ENV.devKeysFile]: file });
    try {
      expect(readFileSync(victim, 'utf8')).toBe('untouched');
      expect(lstatSync(file).isFile()).toBe(true);
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object)).toHaveLength(3);
    } finally {
      await close(config);
    }
  });

  it('refuses development keys in production', () => {
    expect(() => demoAccessConfig({ NODE_ENV: 'production' })).toThrow(InvalidOptionsError);
  });

  it('uses minted records from the environment, stored as HMACs only', async () => {
    const { key, record } = mintApiKey({ pepper: new Secret(PEPPER), clientId: 'ops', roles: ['admin'] });
    const config = demoAccessConfig({
      [DEMO_ACCESS_ENV.pepper]: PEPPER,
      [DEMO_ACCESS_ENV.keys]: JSON.stringify([record]),
    });
    try {
      expect(config.devKeysFile).toBeUndefined();
      expect(await authenticate(config.options.authenticators[0]!, key)).toMatchObject({ kind: 'success' });
    } finally {
      await close(config);
    }
  });

  it('names only the key setting that is broken, not also the other one as missing', () => {
    const named = (env: NodeJS.ProcessEnv): string[] => {
      try {
        demoAccessConfig(env);
      } catch (error) {
        return (error as InvalidOptionsError).issues.map((i) => i.path);
      }
      return [];
    };
    expect(named({ [DEMO_ACCESS_ENV.pepper]: PEPPER, [DEMO_ACCESS_ENV.keys]: '[{"keyId": ' })).toEqual([
      DEMO_ACCESS_ENV.keys,
    ]);
    expect(
      named({ [DEMO_ACCESS_ENV.pepper]: PEPPER, [DEMO_ACCESS_ENV.keysFile]: join(dir, 'missing.json') }),
    ).toEqual([DEMO_ACCESS_ENV.keysFile]);
    expect(named({ [DEMO_ACCESS_ENV.keysFile]: join(dir, 'missing.json') })).toEqual([
      DEMO_ACCESS_ENV.keysFile,
    ]);
  });

  it('takes its policies from STEWARD_POLICY_FILE (.cedar), and refuses a bad one naming file, line and policy', async () => {
    const good = join(dir, 'good.cedar');
    writeFileSync(
      good,
      '@id("all-read")\npermit (principal in Role::"reader", action == Action::"items:read", resource);\n',
    );
    const config = demoAccessConfig({
      [DEMO_ACCESS_ENV.devKeysFile]: join(dir, 'k.json'),
      [DEMO_ACCESS_ENV.policyFile]: good,
    });
    try {
      const policy = config.options.policy as CedarPolicyEngine;
      expect(Object.keys(policy.policies())).toEqual(['all-read']);
    } finally {
      await close(config);
    }

    const bad = join(dir, 'bad.cedar');
    writeFileSync(
      bad,
      '@id("typo")\npermit (principal in Role::"admin", action == Action::"items:raed", resource);\n',
    );
    const messages: string[] = [];
    for (const file of [bad, join(dir, 'missing.cedar'), join(dir, 'policies.json')]) {
      let caught: unknown;
      try {
        demoAccessConfig({
          [DEMO_ACCESS_ENV.devKeysFile]: join(dir, 'k.json'),
          [DEMO_ACCESS_ENV.policyFile]: file,
        });
      } catch (error) {
        caught = error;
      }
      const issues = (caught as InvalidOptionsError).issues;
      expect(issues.map((i) => i.path)).toEqual([DEMO_ACCESS_ENV.policyFile]);
      messages.push(issues[0]!.message);
    }
    expect(messages[0]).toContain(`${bad}:2:`);
    expect(messages[0]).toContain('(typo)');
    expect(messages[0]).toContain('items:raed');
    expect(messages[1]).toContain('ENOENT');
    expect(messages[2]).toContain('.cedar');
  });

  it('lists every configuration problem at once without echoing secrets', () => {
    let caught: unknown;
    try {
      demoAccessConfig({
        [DEMO_ACCESS_ENV.pepper]: 'short-pepper-value',
        [DEMO_ACCESS_ENV.keys]: '[{"keyId":1}]',
        [DEMO_ACCESS_ENV.jwtIssuer]: 'https://issuer',
        [DEMO_ACCESS_ENV.jwtSecret]: 'tiny-jwt-secret',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    const paths = (caught as InvalidOptionsError).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        DEMO_ACCESS_ENV.keys,
        DEMO_ACCESS_ENV.pepper,
        DEMO_ACCESS_ENV.jwtAudience,
        DEMO_ACCESS_ENV.jwtSecret,
      ]),
    );
    expect((caught as Error).message).not.toMatch(/short-pepper-value|tiny-jwt-secret/);
  });
});

describe('demoAccessConfig audit checkpoints', () => {
  it('signs checkpoints of STEWARD_AUDIT_FILE with STEWARD_AUDIT_SIGNING_KEY, anchored beside it, and refuses a short key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-demo-audit-'));
    try {
      const file = join(dir, 'audit.jsonl');
      const env = {
        [DEMO_ACCESS_ENV.devKeysFile]: join(dir, 'keys.json'),
        [DEMO_ACCESS_ENV.auditFile]: file,
        STEWARD_AUDIT_SIGNING_KEY: 'demo-audit-signing-key-0123456789-0123456789',
      };
      const config = demoAccessConfig(env);
      config.options.audit!.record({
        time: new Date().toISOString(),
        type: 'authz.decision',
        decision: 'deny',
      });
      await config.options.audit!.close!();
      const verified = await verifyAuditFile(file, {
        keys: { 'demo-1': new Secret(env.STEWARD_AUDIT_SIGNING_KEY) },
        anchor: await new FileCheckpointAnchor(`${file}.checkpoints`).latest('file'),
      });
      expect(verified).toMatchObject({ ok: true, count: 1, unsealed: 0, signaturesChecked: true });

      let caught: unknown;
      try {
        demoAccessConfig({ ...env, STEWARD_AUDIT_SIGNING_KEY: 'short' });
      } catch (error) {
        caught = error;
      }
      expect((caught as InvalidOptionsError).issues.map((i) => i.path)).toEqual([
        'STEWARD_AUDIT_SIGNING_KEY',
      ]);
      expect((caught as Error).message).not.toContain('short');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
