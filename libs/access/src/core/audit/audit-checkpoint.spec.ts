import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { InvalidOptionsError, Secret } from '@steward/common';
import type { AuditEvent } from '../interfaces/audit-event.interface.js';
import { auditHash, verifyAuditFile } from './audit-chain.js';
import { AuditCheckpointSigner, verifyCheckpoint } from './audit-checkpoint.js';
import { AuditTrail } from './audit-trail.js';
import { FileCheckpointAnchor } from './checkpoint-anchor.js';
import { canonicalJson } from './canonical-json.js';
import { FileAuditSink } from './file-audit.sink.js';

const hmac = new Secret('checkpoint-hmac-key-0123456789-0123456789');
const event = (i: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  time: '2026-01-05T10:00:00.000Z',
  type: 'authz.decision',
  principal: `client:user-${i}`,
  action: 'pool:drain',
  decision: i % 2 ? 'allow' : 'deny',
  ...extra,
});

describe('AuditCheckpointSigner', () => {
  const body = {
    sink: 'file',
    seq: 4,
    count: 5,
    hash: 'a'.repeat(64),
    time: '2026-01-05T10:00:00.000Z',
    prev: null,
  };

  it('signs with HMAC-SHA256 or Ed25519 and verifies with the key its id names', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const hs = new AuditCheckpointSigner('k1', hmac).sign(body);
    const ed = new AuditCheckpointSigner('k2', privateKey).sign(body);
    expect([hs.alg, ed.alg]).toEqual(['HS256', 'Ed25519']);
    const keys = { k1: hmac, k2: publicKey };
    expect(verifyCheckpoint(hs, keys)).toBe(true);
    expect(verifyCheckpoint(ed, keys)).toBe(true);
    // Another key, a rotated-out id, or one changed field: refused.
    expect(verifyCheckpoint(hs, { k1: new Secret('another-hmac-key-0123456789-0123456789') })).toBe(false);
    expect(verifyCheckpoint(ed, { k1: hmac })).toBe(false);
    expect(verifyCheckpoint({ ...ed, checkpoint: { ...ed.checkpoint, seq: 5, count: 6 } }, keys)).toBe(false);
    expect(verifyCheckpoint({ ...hs, alg: 'Ed25519' }, keys)).toBe(false);
  });

  it('refuses a short secret, a public key and a bad key id', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    for (const [id, key] of [
      ['k', new Secret('short')],
      ['k', publicKey],
      ['bad id', hmac],
    ] as const) {
      expect(() => new AuditCheckpointSigner(id, key)).toThrow(InvalidOptionsError);
    }
  });
});

describe('signed checkpoints in an audit file (issue 14 finding 4)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-checkpoint-'));
  });
  afterEach(async () => {
    jest.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  /** A trail of `count` events into a file, checkpointed every `every` records, closed cleanly. */
  async function written(count: number, every = 4, signer = new AuditCheckpointSigner('k1', hmac)) {
    const path = join(dir, 'audit.jsonl');
    const anchorPath = join(dir, 'anchor.jsonl');
    const anchor = new FileCheckpointAnchor(anchorPath);
    const trail = new AuditTrail({
      sinks: [new FileAuditSink({ path, sync: false })],
      batchSize: 1,
      checkpoints: { signer, everyRecords: every, anchor },
    });
    for (let i = 0; i < count; i++) await trail.recordDurable(event(i));
    await trail.close();
    return { path, anchor, lines: (await readFile(path, 'utf8')).trimEnd().split('\n') };
  }
  const keys = { k1: hmac };

  it('seals every N records and at close; verifies with the key, and reports the last checkpoint', async () => {
    const { path, anchor, lines } = await written(10);
    expect(lines.filter((l) => l.includes('"checkpoint"'))).toHaveLength(3); // after 4, 8, and at close (10)
    expect(lines.at(-1)).toContain('"seq":9');
    const latest = await anchor.latest('file');
    expect(await verifyAuditFile(path, { keys, anchor: latest })).toEqual({
      ok: true,
      count: 10,
      checkpoints: 3,
      unsealed: 0,
      signaturesChecked: true,
      lastCheckpoint: expect.objectContaining({ seq: 9, count: 10, keyId: 'k1', sink: 'file' }),
    });
  });

  it('detects removed last lines: unsealed records, and with the anchor the missing checkpoint', async () => {
    const { path, anchor, lines } = await written(10);
    await writeFile(path, `${lines.slice(0, -2).join('\n')}\n`); // the final checkpoint and one record
    expect(await verifyAuditFile(path, { keys })).toMatchObject({ ok: true, unsealed: 1 });
    expect(await verifyAuditFile(path, { keys, anchor: await anchor.latest('file') })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('anchor holds a checkpoint at seq 9'),
    });
    // Cut right after a checkpoint: looks complete without the anchor, not with it.
    const atCheckpoint = lines.findIndex((l) => l.includes('"checkpoint"') && l.includes('"seq":7'));
    await writeFile(path, `${lines.slice(0, atCheckpoint + 1).join('\n')}\n`);
    expect(await verifyAuditFile(path, { keys })).toMatchObject({ ok: true, unsealed: 0 });
    expect(await verifyAuditFile(path, { keys, anchor: await anchor.latest('file') })).toMatchObject({
      ok: false,
    });
  });

  it('detects a rewritten record even when every later hash was recomputed', async () => {
    const { path, lines } = await written(10);
    // The forger edits record 2 and rebuilds the chain after it; without the key, checkpoints keep their old signatures.
    let prevHash = '';
    const forged = lines.map((line) => {
      const value = JSON.parse(line);
      if (value.checkpoint) {
        return canonicalJson({ ...value, checkpoint: { ...value.checkpoint, hash: prevHash } });
      }
      const ev = value.seq === 2 ? { ...value.event, decision: 'allow' } : value.event;
      const prev = value.seq === 0 ? value.prevHash : prevHash;
      const hash = auditHash(prev, value.seq, ev);
      prevHash = hash;
      return canonicalJson({ seq: value.seq, prevHash: prev, hash, event: ev });
    });
    await writeFile(path, `${forged.join('\n')}\n`);
    const result = await verifyAuditFile(path, { keys });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('signature does not verify') });
  });

  it('refuses extra top-level fields and duplicate keys, which JSON.parse would let through', async () => {
    const { path, lines } = await written(3, 100);
    const withExtra = lines.map((l, i) => (i === 1 ? canonicalJson({ ...JSON.parse(l), note: 'x' }) : l));
    await writeFile(path, `${withExtra.join('\n')}\n`);
    expect(await verifyAuditFile(path, { keys })).toMatchObject({
      ok: false,
      line: 2,
      reason: expect.stringContaining('fields'),
    });
    const duplicate = lines.map((l, i) =>
      i === 0 ? l.replace('"decision":"deny"', '"decision":"allow","decision":"deny"') : l,
    );
    await writeFile(path, `${duplicate.join('\n')}\n`);
    expect(await verifyAuditFile(path, { keys })).toMatchObject({
      ok: false,
      line: 1,
      reason: expect.stringContaining('canonical'),
    });
  });

  it('refuses a removed checkpoint in the middle: the next one no longer links', async () => {
    const { path, lines } = await written(10);
    const first = lines.findIndex((l) => l.includes('"checkpoint"'));
    await writeFile(path, `${lines.filter((_, i) => i !== first).join('\n')}\n`);
    expect(await verifyAuditFile(path, { keys })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('link'),
    });
  });

  it('continues the checkpoint chain after a restart, and refuses to continue a file cut before its anchor', async () => {
    const { path, anchor, lines } = await written(6);
    const signer = new AuditCheckpointSigner('k1', hmac);
    const again = new AuditTrail({
      sinks: [new FileAuditSink({ path, sync: false })],
      checkpoints: { signer, anchor },
    });
    await again.recordDurable(event(6));
    await again.close();
    expect(await verifyAuditFile(path, { keys, anchor: await anchor.latest('file') })).toMatchObject({
      ok: true,
      count: 7,
      unsealed: 0,
    });

    await writeFile(path, `${lines.slice(0, 3).join('\n')}\n`); // shortened behind the writer's back
    const restarted = new AuditTrail({
      sinks: [new FileAuditSink({ path, sync: false })],
      checkpoints: { signer, anchor },
    });
    await expect(restarted.recordDurable(event(99))).rejects.toMatchObject({
      code: 'ACCESS_AUDIT_WRITE_FAILED',
    });
    await restarted.close();
    expect((await readFile(path, 'utf8')).trimEnd().split('\n')).toHaveLength(3); // nothing written on top
  });

  it('seals on time too (everyMs), with the time read from the clock', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-01-05T10:00:00.000Z') });
    const path = join(dir, 'timed.jsonl');
    const signer = new AuditCheckpointSigner('k1', hmac);
    const trail = new AuditTrail({
      sinks: [new FileAuditSink({ path, sync: false })],
      checkpoints: { signer, everyRecords: 1_000, everyMs: 5_000 },
    });
    const durable = trail.recordDurable(event(0));
    await jest.advanceTimersByTimeAsync(10);
    await durable;
    await jest.advanceTimersByTimeAsync(5_000);
    const text = await readFile(path, 'utf8');
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => Object.keys(JSON.parse(l))[0]),
    ).toEqual(['event', 'alg']);
    expect(text).toMatch(/"time":"2026-01-05T10:00:05\.\d{3}Z"/);
    await trail.close();
  });

  it('verifies an Ed25519-signed file with the public key only', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { path } = await written(5, 2, new AuditCheckpointSigner('ed-1', privateKey));
    const publicOnly = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
    expect(await verifyAuditFile(path, { keys: { 'ed-1': publicOnly } })).toMatchObject({
      ok: true,
      signaturesChecked: true,
      unsealed: 0,
    });
  });
});
