import pg from 'pg';
import { inspect } from 'node:util';
import { Secret } from '@steward/common';
import {
  AuditCheckpointSigner,
  AuditTrail,
  AuditWriteError,
  FileAuditSink,
  PostgresAuditSink,
  PostgresCheckpointAnchor,
  verifyAuditChain,
  verifyAuditFile,
  type AuditEvent,
} from '@steward/access';
import { databaseUrl } from './services.js';

const event = (i: number): AuditEvent => ({
  time: new Date(Date.UTC(2026, 0, 5, 10, 0, i % 60)).toISOString(),
  type: i % 5 === 0 ? 'privileged' : 'authz.decision',
  principal: `user-${i}`,
  action: 'pool:drain',
  resource: 'pool:db',
  decision: i % 2 ? 'allow' : 'deny',
  policyIds: [`p${i % 7}`],
  status: 200,
});

describe('PostgresAuditSink against PostgreSQL', () => {
  const table = `steward_audit_it_${process.pid}_${Date.now()}`;
  let pool: pg.Pool;
  let statements: string[];
  const counted = () => ({
    query: (text: string, values?: unknown[]) => {
      statements.push(text.trim().split(/\s+/)[0]!.toLowerCase());
      return pool.query(text, values);
    },
  });

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  });
  beforeEach(() => {
    statements = [];
  });
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  it('creates its table and stores batches with one multi-row insert each', async () => {
    const sink = new PostgresAuditSink({ pool: counted(), table });
    const trail = new AuditTrail({ sinks: [sink], batchSize: 100, flushIntervalMs: 60_000 });
    for (let i = 0; i < 250; i++) trail.record(event(i));
    await trail.close();

    expect(statements.filter((s) => s === 'insert')).toHaveLength(3);
    expect(statements.filter((s) => s === 'create')).toHaveLength(1);
    const { rows } = await pool.query(
      `select count(*)::int as n, min(seq)::int as lo, max(seq)::int as hi from ${table}`,
    );
    expect(rows[0]).toEqual({ n: 250, lo: 0, hi: 249 });
    const stored = await sink.records({ limit: 1_000 });
    expect(stored[3]!.event).toEqual(event(3));
    expect(verifyAuditChain(stored)).toMatchObject({ ok: true, count: 250 });
    expect(trail.stats()).toMatchObject({ written: 250, failed: 0, dropped: 0 });
  });

  it('continues the stored chain from a new process-like sink and a connection string', async () => {
    const sink = new PostgresAuditSink({ connectionString: new Secret(databaseUrl()), table });
    const trail = new AuditTrail({ sinks: [sink] });
    await trail.recordDurable(event(250));
    await trail.close();
    const reader = new PostgresAuditSink({ pool, table });
    const stored = await reader.records({ limit: 1_000 });
    expect(stored.at(-1)).toMatchObject({ seq: 250, event: event(250) });
    expect(verifyAuditChain(stored)).toMatchObject({ ok: true, count: 251 });
  });

  it('lets verification name a row edited in the database', async () => {
    await pool.query(`update ${table} set event = jsonb_set(event, '{decision}', '"allow"') where seq = 10`);
    const stored = await new PostgresAuditSink({ pool, table }).records({ limit: 1_000 });
    expect(verifyAuditChain(stored)).toMatchObject({
      ok: false,
      index: 10,
      reason: expect.stringContaining('edited'),
    });
  });

  it('rejects a durable event when the database is unreachable, without echoing the password', async () => {
    const password = 'Sup3rSecretPw-42';
    const sink = new PostgresAuditSink({
      connectionString: new Secret(`postgres://postgres:${password}@127.0.0.1:1/test?connect_timeout=2`),
      table,
    });
    const trail = new AuditTrail({ sinks: [sink], writeTimeoutMs: 5_000 });
    const failures: Error[] = [];
    trail.on('failed', (e) => failures.push(e.error));
    const error = await trail.recordDurable(event(0)).catch((e: unknown) => e);
    await trail.close();
    expect(error).toBeInstanceOf(AuditWriteError);
    expect(failures).toHaveLength(1);
    const printed = [
      inspect(error, { depth: 5 }),
      inspect(failures, { depth: 5 }),
      JSON.stringify(error),
    ].join('\n');
    expect(printed).not.toContain(password);
    expect(inspect(sink, { depth: 5 }) + JSON.stringify(sink)).not.toContain(password);
  });
});

describe('PostgresCheckpointAnchor against PostgreSQL', () => {
  const table = `steward_anchor_it_${process.pid}_${Date.now()}`;
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
  });
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  it('mirrors every checkpoint of a file trail and makes a restart on a cut file fail closed', async () => {
    const { mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'steward-anchor-it-'));
    try {
      const path = join(dir, 'audit.jsonl');
      const signer = new AuditCheckpointSigner('k1', new Secret('anchor-it-hmac-0123456789-0123456789'));
      const anchor = new PostgresCheckpointAnchor({ pool, table });
      const trail = new AuditTrail({
        sinks: [new FileAuditSink({ path })],
        checkpoints: { signer, everyRecords: 3, anchor },
      });
      for (let i = 0; i < 7; i++) await trail.recordDurable(event(i));
      await trail.close();
      const { rows } = await pool.query(`select seq from ${table} where sink = 'file' order by seq`);
      expect(rows.map((r: { seq: string }) => Number(r.seq))).toEqual([2, 5, 6]);
      const latest = await anchor.latest('file');
      const keys = { k1: new Secret('anchor-it-hmac-0123456789-0123456789') };
      expect(await verifyAuditFile(path, { keys, anchor: latest })).toMatchObject({
        ok: true,
        count: 7,
      });

      const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
      await writeFile(path, `${lines.slice(0, 4).join('\n')}\n`);
      const restarted = new AuditTrail({
        sinks: [new FileAuditSink({ path })],
        checkpoints: { signer, anchor },
      });
      await expect(restarted.recordDurable(event(8))).rejects.toBeInstanceOf(AuditWriteError);
      await restarted.close();
      expect(await verifyAuditFile(path, { anchor: latest })).toMatchObject({ ok: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
