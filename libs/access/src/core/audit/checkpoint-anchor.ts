import { appendFile, open, readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { OptionChecker, Secret } from '@steward/common';
import { OwnedPgPool } from '../pg/owned-pg-pool.js';
import { isCheckpoint, type AuditCheckpoint } from './audit-checkpoint.js';
import { canonicalJson } from './canonical-json.js';
import type { AuditQueryable } from './interfaces/audit-chain.interface.js';

/**
 * A second place that keeps every checkpoint, out of reach of whoever can edit the audit file: a
 * trail refuses to continue a sink that ends before the anchor's last checkpoint, and the verifier
 * reports such a file as truncated.
 */
export interface AuditCheckpointAnchor {
  readonly name: string;
  store(checkpoint: AuditCheckpoint): Promise<void>;
  /** The last checkpoint stored for `sink`. */
  latest(sink: string): Promise<AuditCheckpoint | undefined>;
  close?(): Promise<void>;
}

/** Checkpoints appended to their own JSONL file (e.g. on another volume or host mount). */
export class FileCheckpointAnchor implements AuditCheckpointAnchor {
  readonly name: string;

  constructor(
    private readonly path: string,
    options: { name?: string } = {},
  ) {
    this.name = options.name ?? 'checkpoint-file';
  }

  async store(checkpoint: AuditCheckpoint): Promise<void> {
    const handle = await open(this.path, 'a', 0o600);
    try {
      await appendFile(handle, `${canonicalJson(checkpoint)}\n`, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  async latest(sink: string): Promise<AuditCheckpoint | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let last: AuditCheckpoint | undefined;
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      const value = JSON.parse(line) as unknown;
      if (isCheckpoint(value) && value.checkpoint.sink === sink) last = value;
    }
    return last;
  }
}

const TABLE = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/;

/** Checkpoints in a PostgreSQL table (created when missing), keyed by sink and seq. */
export class PostgresCheckpointAnchor implements AuditCheckpointAnchor, AsyncDisposable {
  readonly name: string;
  readonly table: string;
  private readonly pool: AuditQueryable;
  private ownPool: OwnedPgPool | undefined;
  private ready: Promise<void> | undefined;

  constructor(options: {
    pool?: AuditQueryable;
    connectionString?: string | Secret;
    table?: string;
    name?: string;
  }) {
    this.name = options?.name ?? 'checkpoint-postgres';
    this.table = options?.table ?? 'steward_audit_checkpoints';
    const checker = new OptionChecker('PostgresCheckpointAnchor');
    if (typeof this.table !== 'string' || !TABLE.test(this.table)) {
      checker.add('table', 'must be [schema.]name of lowercase letters, digits and _');
    }
    if (!options?.pool && !options?.connectionString)
      checker.add('pool', 'needs a pool or a connection string');
    checker.throwIfAny();
    if (options.pool) {
      this.pool = options.pool;
    } else {
      this.ownPool = new OwnedPgPool({
        feature: 'PostgresCheckpointAnchor',
        connectionString: options.connectionString!,
        max: 1,
        connectTimeoutMs: 5_000,
      });
      this.pool = this.ownPool;
    }
  }

  async store(checkpoint: AuditCheckpoint): Promise<void> {
    await this.ensureTable();
    await this.pool.query(
      `insert into ${this.table} (sink, seq, line) values ($1, $2, $3::jsonb) on conflict do nothing`,
      [checkpoint.checkpoint.sink, checkpoint.checkpoint.seq, canonicalJson(checkpoint)],
    );
  }

  async latest(sink: string): Promise<AuditCheckpoint | undefined> {
    await this.ensureTable();
    const { rows } = await this.pool.query(
      `select line from ${this.table} where sink = $1 order by seq desc limit 1`,
      [sink],
    );
    const line = (rows[0] as { line?: unknown } | undefined)?.line;
    return isCheckpoint(line) ? line : undefined;
  }

  async close(): Promise<void> {
    await this.ownPool?.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [inspect.custom](): string {
    return `PostgresCheckpointAnchor { table: ${JSON.stringify(this.table)} }`;
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.pool
      .query(
        `create table if not exists ${this.table} (
          sink text not null,
          seq bigint not null,
          line jsonb not null,
          stored_at timestamptz not null default now(),
          primary key (sink, seq)
        )`,
      )
      .then(
        () => undefined,
        (error: unknown) => {
          this.ready = undefined;
          throw error;
        },
      );
    return this.ready;
  }
}
