import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../interfaces/audit-event.interface.js';
import {
  AUDIT_GENESIS_HASH,
  auditRecordLine,
  chainAuditEvents,
  verifyAuditChain,
  verifyAuditFile,
} from './audit-chain.js';
import { canonicalJson } from './canonical-json.js';

const event = (i: number): AuditEvent => ({
  time: `2026-01-05T10:00:${String(i).padStart(2, '0')}.000Z`,
  type: 'authz.decision',
  principal: `user-${i}`,
  action: 'pool:drain',
  decision: i % 2 ? 'allow' : 'deny',
  policyIds: [`p${i}`],
});

describe('audit hash chain', () => {
  it('links records as sha256(prevHash + seq + ":" + canonical event), starting at the genesis hash', () => {
    const { records, tail } = chainAuditEvents([event(0), event(1)], undefined);
    const h0 = createHash('sha256')
      .update(AUDIT_GENESIS_HASH + '0:' + canonicalJson(event(0)))
      .digest('hex');
    expect(records[0]).toMatchObject({ seq: 0, prevHash: '0'.repeat(64), hash: h0 });
    expect(records[1]).toMatchObject({ seq: 1, prevHash: h0 });
    expect(tail).toEqual({ seq: 1, hash: records[1]!.hash });
    // Key order does not matter: the canonical form sorts keys.
    const reordered = Object.fromEntries(Object.entries(event(0)).reverse()) as AuditEvent;
    expect(chainAuditEvents([reordered], undefined).records[0]!.hash).toBe(h0);
  });

  it('continues a chain after a tail', () => {
    const first = chainAuditEvents([event(0), event(1)], undefined);
    const second = chainAuditEvents([event(2)], first.tail);
    expect(second.records[0]).toMatchObject({ seq: 2, prevHash: first.tail!.hash });
    expect(verifyAuditChain([...first.records, ...second.records])).toEqual({
      ok: true,
      count: 3,
      tail: second.tail,
    });
    expect(verifyAuditChain(second.records, { after: first.tail })).toMatchObject({ ok: true, count: 1 });
    expect(verifyAuditChain(second.records)).toMatchObject({ ok: false, index: 0 });
  });

  it('names the first record that was edited, removed, reordered or forged', () => {
    const { records } = chainAuditEvents([0, 1, 2, 3].map(event), undefined);
    const edited = records.map((r, i) => (i === 2 ? { ...r, event: { ...r.event, decision: 'allow' } } : r));
    expect(verifyAuditChain(edited)).toMatchObject({
      ok: false,
      index: 2,
      reason: expect.stringContaining('edited'),
    });

    const removed = records.filter((_, i) => i !== 1);
    expect(verifyAuditChain(removed)).toMatchObject({ ok: false, index: 1 });

    const swapped = [records[0], records[2], records[1], records[3]];
    expect(verifyAuditChain(swapped)).toMatchObject({ ok: false, index: 1 });

    const renumbered = records.slice(1).map((r, i) => ({ ...r, seq: i }));
    expect(verifyAuditChain(renumbered)).toMatchObject({
      ok: false,
      index: 0,
      reason: expect.stringContaining('genesis'),
    });

    expect(verifyAuditChain([records[0], { nope: true }])).toMatchObject({ ok: false, index: 1 });
  });

  it('refuses a forward jump in seq, and a renumbered record even when seq counts up', () => {
    const { records } = chainAuditEvents([0, 1, 2, 3].map(event), undefined);
    const jumped = records.map((r, i) => (i === 2 ? { ...r, seq: 3 } : r));
    expect(verifyAuditChain(jumped)).toEqual({ ok: false, index: 2, reason: 'has seq 3, expected 2' });
    // The chain continued after a tail at seq 9, with every seq shifted up: hashes cover the position.
    const shifted = records.map((r) => ({ ...r, seq: r.seq + 10 }));
    expect(verifyAuditChain(shifted, { after: { seq: 9, hash: AUDIT_GENESIS_HASH } })).toMatchObject({
      ok: false,
      index: 0,
      reason: expect.stringContaining('edited'),
    });
  });
});

describe('verifyAuditFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-audit-chain-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeChain(name: string, count: number): Promise<string> {
    const path = join(dir, name);
    const { records } = chainAuditEvents(
      Array.from({ length: count }, (_, i) => event(i)),
      undefined,
    );
    await writeFile(path, records.map((r) => `${auditRecordLine(r)}\n`).join(''));
    return path;
  }

  it('accepts an intact file', async () => {
    expect(await verifyAuditFile(await writeChain('ok.jsonl', 5))).toMatchObject({
      ok: true,
      count: 5,
      unsealed: 5,
    });
    await writeFile(join(dir, 'empty.jsonl'), '');
    expect(await verifyAuditFile(join(dir, 'empty.jsonl'))).toMatchObject({
      ok: true,
      count: 0,
      unsealed: 0,
    });
  });

  it('names the line whose record was edited by hand', async () => {
    const path = await writeChain('edited.jsonl', 5);
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[2] = lines[2]!.replace('"decision":"deny"', '"decision":"allow"');
    await writeFile(path, lines.join('\n'));
    expect(await verifyAuditFile(path)).toEqual({
      ok: false,
      line: 3,
      reason: expect.stringContaining('edited'),
    });
  });

  it('names the line after a deleted one, a garbage line and a blank line in the middle', async () => {
    const path = await writeChain('deleted.jsonl', 5);
    const lines = (await readFile(path, 'utf8')).split('\n');
    await writeFile(path, lines.filter((_, i) => i !== 1).join('\n'));
    expect(await verifyAuditFile(path)).toMatchObject({ ok: false, line: 2 });

    await writeFile(path, [lines[0], 'not json', lines[1]].join('\n'));
    expect(await verifyAuditFile(path)).toEqual({ ok: false, line: 2, reason: 'is not valid JSON' });

    await writeFile(path, [lines[0], '', lines[1], ''].join('\n'));
    expect(await verifyAuditFile(path)).toEqual({ ok: false, line: 2, reason: 'is empty' });
  });

  it('rejects for a file that does not exist', async () => {
    await expect(verifyAuditFile(join(dir, 'missing.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
