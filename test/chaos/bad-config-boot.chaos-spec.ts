import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoKeys } from './support/access.js';
import { expectRefused, type ConfigCase } from './support/config-check.js';

// Scenario 8 (settings the modules check at boot: access and shutdown budget): secrets too short, broken
// key records or files, a policy file naming an unknown action, an unreachable JWKS, a shutdown budget
// beyond its deadline — the demo exits non-zero at boot with one message naming the setting(s), and no
// secret, no stack in its output.
const keys = demoKeys();
const dir = mkdtempSync(join(tmpdir(), 'steward-chaos-config-'));
// A Cedar policy naming an action its schema lacks: strict validation at load refuses the set, naming
// the file, the line and column of the action, and the policy's @id.
const badPolicyFile = join(dir, 'policies.cedar');
const policySchemaFile = join(dir, 'policies.cedarschema');
writeFileSync(
  badPolicyFile,
  [
    '// Admins read items; the second policy misspells its action.',
    '@id("admins-read")',
    'permit (principal in Role::"admin", action == Action::"items:read", resource);',
    '',
    '@id("typo")',
    'permit (principal in Role::"admin", action == Action::"items:raed", resource);',
    '',
  ].join('\n'),
);
writeFileSync(
  policySchemaFile,
  [
    'entity Role;',
    'entity ApiClient in [Role];',
    'entity items;',
    'action "items:read" appliesTo { principal: [ApiClient], resource: [items] };',
    '',
  ].join('\n'),
);
const SHORT_PEPPER = 'short-pepper-0123456789';
const JWT_SECRET = 'too-short-jwt-secret';
const JWT = { STEWARD_JWT_ISSUER: 'https://issuer.test', STEWARD_JWT_AUDIENCE: 'steward' };

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const cases: ConfigCase[] = [
  {
    what: 'pepper too short',
    env: { STEWARD_API_KEY_PEPPER: SHORT_PEPPER, STEWARD_API_KEYS: keys.env.STEWARD_API_KEYS! },
    names: ['STEWARD_API_KEY_PEPPER'],
    secrets: [SHORT_PEPPER],
  },
  {
    what: 'key records that are not JSON',
    env: { STEWARD_API_KEY_PEPPER: keys.pepper, STEWARD_API_KEYS: '[{"keyId": ' },
    names: ['STEWARD_API_KEYS'],
    secrets: [keys.pepper],
  },
  {
    what: 'key file that does not exist',
    env: { STEWARD_API_KEY_PEPPER: keys.pepper, STEWARD_API_KEYS_FILE: join(dir, 'missing.json') },
    names: ['STEWARD_API_KEYS_FILE'],
    secrets: [keys.pepper],
  },
  {
    what: 'production without a pepper',
    env: { NODE_ENV: 'production' },
    names: ['STEWARD_API_KEY_PEPPER'],
    secrets: [],
  },
  {
    what: 'JWT secret too short',
    env: { ...keys.env, ...JWT, STEWARD_JWT_SECRET: JWT_SECRET },
    names: ['STEWARD_JWT_SECRET'],
    secrets: [JWT_SECRET, keys.pepper],
  },
  {
    what: 'policy file naming an unknown action',
    env: { ...keys.env, STEWARD_POLICY_FILE: badPolicyFile, STEWARD_POLICY_SCHEMA_FILE: policySchemaFile },
    names: ['STEWARD_POLICY_FILE'],
    secrets: [keys.pepper],
    // file:line:column (policy id): line 6, column 47 is `Action::"items:raed"`.
    // (The log line is JSON: its quotes are escaped.)
    says: [`${badPolicyFile}:6:47 (typo):`, 'unrecognized action', 'items:raed'],
  },
  {
    what: 'shutdown budget beyond the deadline',
    env: {
      ...keys.env,
      STEWARD_SHUTDOWN_DELAY_MS: '5000',
      STEWARD_DRAIN_TIMEOUT_MS: '10000',
      STEWARD_STOP_TIMEOUT_MS: '5000',
      STEWARD_SHUTDOWN_DEADLINE_MS: '15000',
    },
    names: [
      'STEWARD_SHUTDOWN_DELAY_MS',
      'STEWARD_DRAIN_TIMEOUT_MS',
      'STEWARD_STOP_TIMEOUT_MS',
      'STEWARD_SHUTDOWN_DEADLINE_MS',
    ],
    secrets: [keys.pepper],
  },
];

describe('chaos: bad configuration (settings checked at boot)', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(cases.map((c) => [c.what, c] as const))('%s', (_what, c) => expectRefused(c), 30_000);

  it('unreachable JWKS', async () => {
    const port = await closedPort();
    await expectRefused({
      what: 'unreachable JWKS',
      env: { ...keys.env, ...JWT, STEWARD_JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` },
      names: ['STEWARD_JWT_JWKS_URL'],
      secrets: [keys.pepper],
    });
  }, 30_000);
});
