import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret } from '@steward/common';
import { AuditCheckpointSigner } from '../core/audit/audit-checkpoint.js';
import { AuditTrail } from '../core/audit/audit-trail.js';
import { FileCheckpointAnchor } from '../core/audit/checkpoint-anchor.js';
import { FileAuditSink } from '../core/audit/file-audit.sink.js';
import { runAuditVerify } from './audit-verify.command.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAuditVerify(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out, err };
}

describe('steward-audit verify', () => {
  const hmac = 'audit-hmac-key-0123456789-0123456789-xyz';
  let dir: string;
  let file: string;
  let plain: string;
  let anchorFile: string;
  let hmacFile: string;
  let publicFile: string;
  let edFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-audit-cli-'));
    file = join(dir, 'audit.jsonl');
    plain = join(dir, 'plain.jsonl');
    anchorFile = join(dir, 'anchor.jsonl');
    hmacFile = join(dir, 'k1.key');
    await writeFile(hmacFile, `${hmac}\n`);
    const signer = new AuditCheckpointSigner('k1', new Secret(hmac));
    const trail = new AuditTrail({
      sinks: [new FileAuditSink({ path: file, sync: false })],
      checkpoints: { signer, everyRecords: 2, anchor: new FileCheckpointAnchor(anchorFile) },
    });
    const unsigned = new AuditTrail({ sinks: [new FileAuditSink({ path: plain, sync: false })] });
    for (let i = 0; i < 5; i++) {
      const event = {
        type: 'authz.decision' as const,
        principal: `u${i}`,
        action: 'pool:drain',
        decision: 'deny' as const,
      };
      await trail.recordDurable(event);
      unsigned.record(event);
    }
    await trail.close();
    await unsigned.close();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    publicFile = join(dir, 'ed.pub.pem');
    await writeFile(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
    edFile = join(dir, 'ed.jsonl');
    const ed = new AuditTrail({
      sinks: [new FileAuditSink({ path: edFile, sync: false })],
      checkpoints: { signer: new AuditCheckpointSigner('ed', privateKey) },
    });
    ed.record({ type: 'authz.decision', principal: 'u', action: 'pool:drain', decision: 'deny' });
    await ed.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 on an intact, sealed file checked with its key and anchor, and names the last checkpoint', async () => {
    const result = await run([file, '--key', `k1=${hmacFile}`, '--anchor', anchorFile]);
    expect(result.code).toBe(0);
    expect(result.out).toEqual([
      expect.stringMatching(
        /^OK .*audit\.jsonl: 5 records, chain intact; 3 checkpoints, the last sealing seq 4 at .* \(key k1\)$/,
      ),
    ]);
    expect(result.err).toEqual([]);
    expect((await run([edFile, '--key', `ed=${publicFile}`])).code).toBe(0);
  });

  it('warns when signatures or the anchor are not checked', async () => {
    const result = await run([file]);
    expect(result.code).toBe(0);
    expect(result.err).toEqual([
      expect.stringContaining('signatures not checked'),
      expect.stringContaining('no anchor given'),
    ]);
  });

  it('exits 3 for records after the last checkpoint, 1 for a cut the anchor shows', async () => {
    const cut = join(dir, 'cut.jsonl');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(cut, `${lines.slice(0, -1).join('\n')}\n`); // the closing checkpoint removed
    const unsealed = await run([cut, '--key', `k1=${hmacFile}`]);
    expect(unsealed.code).toBe(3);
    expect(unsealed.err.at(-1)).toMatch(/^UNSEALED .*: 1 record after the last checkpoint \(seq 3\)/);
    const truncated = await run([cut, '--key', `k1=${hmacFile}`, '--anchor', anchorFile]);
    expect(truncated.code).toBe(1);
    expect(truncated.err[0]).toMatch(/^BROKEN .*anchor holds a checkpoint at seq 4/);
    expect((await run([plain])).code).toBe(3); // a trail without checkpoints seals nothing
  });

  it('exits 1 and names the line that was edited, or signed with another key', async () => {
    const tampered = join(dir, 'tampered.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('"decision":"deny"', '"decision":"allow"');
    await writeFile(tampered, lines.join('\n'));
    const result = await run([tampered]);
    expect(result.code).toBe(1);
    expect(result.err).toEqual([expect.stringMatching(/^BROKEN .*tampered\.jsonl: line 2 /)]);
    const otherKey = join(dir, 'other.key');
    await writeFile(otherKey, 'another-audit-key-0123456789-0123456789');
    expect((await run([file, '--key', `k1=${otherKey}`])).code).toBe(1);
  });

  it('exits 2 on bad usage or an unreadable file, key or anchor', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['a', 'b'])).code).toBe(2);
    expect((await run([file, '--key', 'no-equals'])).code).toBe(2);
    expect((await run([file, '--key', `k1=${join(dir, 'none.key')}`])).code).toBe(2);
    expect((await run([file, '--anchor-table', 'anchors'])).code).toBe(2); // no database in the environment
    const missing = await run([join(dir, 'missing.jsonl')]);
    expect(missing).toMatchObject({ code: 2, err: [expect.stringContaining('ENOENT')] });
  });
});
