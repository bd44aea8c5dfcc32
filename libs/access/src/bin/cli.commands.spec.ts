import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApiKeyCommand } from './api-key.command.js';
import { runAuditCommand } from './audit.command.js';
import { PEPPER_ENV } from './mint-api-key.command.js';

const pepper = 'cli-pepper-0123456789-0123456789-abc';

describe('steward-api-key', () => {
  it('mint prints the key once, then the record', () => {
    const result = runApiKeyCommand(['mint', '--client', 'ops', '--roles', 'admin'], {
      [PEPPER_ENV]: pepper,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^stw_[0-9A-Za-z]{44}$/m);
    expect(JSON.parse(result.stdout.slice(result.stdout.indexOf('{')))).toMatchObject({ clientId: 'ops' });
  });

  it('refuses a missing or unknown command with exit 2 and the usage', () => {
    for (const argv of [[], ['forge', '--client', 'x']]) {
      const result = runApiKeyCommand(argv, { [PEPPER_ENV]: pepper });
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain('Usage: steward-api-key <command>');
    }
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
