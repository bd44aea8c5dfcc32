import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditTrail } from '../core/audit/audit-trail.js';
import { FileAuditSink } from '../core/audit/file-audit.sink.js';
import { runAuditVerify } from './audit-verify.command.js';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAuditVerify(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('audit-verify', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-audit-cli-'));
    file = join(dir, 'audit.jsonl');
    const trail = new AuditTrail({ sinks: [new FileAuditSink({ path: file })] });
    for (let i = 0; i < 4; i++) {
      trail.record({ type: 'authz.decision', principal: `u${i}`, action: 'pool:drain', decision: 'deny' });
    }
    await trail.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 on an intact file', async () => {
    expect(await run([file])).toEqual({ code: 0, out: [`OK ${file}: 4 records, chain intact`], err: [] });
  });

  it('exits 1 and names the line that was edited', async () => {
    const tampered = join(dir, 'tampered.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('"decision":"deny"', '"decision":"allow"');
    await writeFile(tampered, lines.join('\n'));
    const result = await run([tampered]);
    expect(result.code).toBe(1);
    expect(result.err).toEqual([expect.stringMatching(/^BROKEN .*tampered\.jsonl: line 2 /)]);
  });

  it('exits 2 on bad usage or an unreadable file', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['a', 'b'])).code).toBe(2);
    const missing = await run([join(dir, 'missing.jsonl')]);
    expect(missing).toMatchObject({ code: 2, err: [expect.stringContaining('ENOENT')] });
  });
});
