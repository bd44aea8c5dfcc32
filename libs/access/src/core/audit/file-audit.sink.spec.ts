import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../interfaces/audit-event.interface.js';
import { chainAuditEvents, verifyAuditFile } from './audit-chain.js';
import { AuditTrail } from './audit-trail.js';
import { FileAuditSink } from './file-audit.sink.js';

const event = (i: number): AuditEvent => ({
  time: '2026-01-05T10:00:00.000Z',
  type: 'privileged',
  phase: 'requested',
  principal: `admin-${i}`,
  action: 'pool:drain',
  resource: 'pool:db',
});

describe('FileAuditSink', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-audit-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one JSON line per record, owner-only, and the file verifies', async () => {
    const path = join(dir, 'a.jsonl');
    const sink = new FileAuditSink({ path });
    const { records } = chainAuditEvents([event(0), event(1)], undefined);
    await sink.write(records);
    await sink.close();
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).event.principal)).toEqual(['admin-0', 'admin-1']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await verifyAuditFile(path)).toMatchObject({ ok: true, count: 2 });
  });

  it('continues the chain from the last line after a restart', async () => {
    const path = join(dir, 'restart.jsonl');
    for (let run = 0; run < 3; run++) {
      const trail = new AuditTrail({ sinks: [new FileAuditSink({ path })] });
      trail.record(event(run * 2));
      await trail.recordDurable(event(run * 2 + 1));
      await trail.close();
    }
    expect(await verifyAuditFile(path)).toMatchObject({ ok: true, count: 6 });
    const sink = new FileAuditSink({ path });
    expect(await sink.tail()).toMatchObject({ seq: 5 });
    await sink.close();
  });

  it('refuses records that do not continue its chain', async () => {
    const path = join(dir, 'fork.jsonl');
    await using sink = new FileAuditSink({ path });
    await sink.write(chainAuditEvents([event(0)], undefined).records);
    await expect(sink.write(chainAuditEvents([event(1)], undefined).records)).rejects.toMatchObject({
      code: 'ACCESS_AUDIT_WRITE_FAILED',
    });
    expect(await verifyAuditFile(path)).toMatchObject({ ok: true, count: 1 });
  });

  it('fails closed on a torn or edited last line instead of extending a broken chain', async () => {
    const torn = join(dir, 'torn.jsonl');
    const first = new FileAuditSink({ path: torn });
    await first.write(chainAuditEvents([event(0)], undefined).records);
    await first.close();
    await appendFile(torn, '{"seq":1,"prev');
    const sink = new FileAuditSink({ path: torn });
    await expect(sink.tail()).rejects.toMatchObject({ code: 'ACCESS_AUDIT_CHAIN_BROKEN' });
    const trail = new AuditTrail({ sinks: [sink] });
    await expect(trail.recordDurable(event(1))).rejects.toMatchObject({ code: 'ACCESS_AUDIT_WRITE_FAILED' });
    await trail.close();
    expect((await readFile(torn, 'utf8')).endsWith('{"seq":1,"prev')).toBe(true);
  });
});
