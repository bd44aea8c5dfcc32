import { inspect } from 'node:util';
import { OptionChecker, Secret } from '@steward/common';
import { OwnedPgPool } from '../pg/owned-pg-pool.js';
import type { AuditEvent, AuditRecord } from '../interfaces/audit-event.interface.js';
import type { AuditChainTail, AuditQueryable, TailingAuditSink } from './interfaces/audit-chain.interface.js';
import { badTableName, postgresTarget } from './audit.messages.js';

/** Options of `PostgresAuditSink`: a pool-like `{ query }`, or a connection string (plain or `Secret`). */
export interface PostgresAuditSinkOptions {
  readonly pool?: AuditQueryable;
  readonly connectionString?: string | Secret;
  /** `[schema.]table`, created when missing (default `steward_audit`). */
  readonly table?: string;
  readonly name?: string;
}

const TABLE = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/;
// 6 parameters a row; PostgreSQL allows 65,535 parameters a statement.
const ROWS_PER_INSERT = 1_000;

/**
 * Stores records in a PostgreSQL table (created if missing) with one multi-row INSERT per batch.
 * `seq` is the primary key, so two writers on one table cannot fork the chain silently: the second
 * insert fails and the trail re-reads the tail.
 */
export class PostgresAuditSink implements TailingAuditSink, AsyncDisposable {
  /** The sink's name in stats, events and metrics. */
  readonly name: string;
  /** The table, as validated. */
  readonly table: string;
  private readonly pool: AuditQueryable;
  private ownPool: OwnedPgPool | undefined;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresAuditSinkOptions) {
    this.name = options?.name ?? 'postgres';
    this.table = options?.table ?? 'steward_audit';
    const checker = new OptionChecker('PostgresAuditSink');
    if (typeof this.table !== 'string' || !TABLE.test(this.table))
      checker.add('table', badTableName(String(this.table)));
    if (!options?.pool && !options?.connectionString) checker.add('pool', postgresTarget);
    checker.throwIfAny();
    if (options.pool) {
      this.pool = options.pool;
    } else {
      this.ownPool = new OwnedPgPool({
        feature: 'PostgresAuditSink',
        connectionString: options.connectionString!,
        max: 2,
        connectTimeoutMs: 5_000,
      });
      this.pool = this.ownPool;
    }
  }

  /** Creates the table when missing (idempotent, retried after a failure). */
  ensureTable(): Promise<void> {
    this.ready ??= this.pool
      .query(
        `create table if not exists ${this.table} (
          seq bigint primary key,
          time timestamptz not null,
          type text not null,
          event jsonb not null,
          prev_hash char(64) not null,
          hash char(64) not null,
          stored_at timestamptz not null default now()
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

  /** The highest stored record's position, or undefined for an empty table. */
  async tail(): Promise<AuditChainTail | undefined> {
    await this.ensureTable();
    const { rows } = await this.pool.query(`select seq, hash from ${this.table} order by seq desc limit 1`);
    const row = rows[0] as { seq: string | number; hash: string } | undefined;
    return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
  }

  /** Inserts the batch with multi-row INSERTs. */
  async write(records: readonly AuditRecord[]): Promise<void> {
    await this.ensureTable();
    for (let from = 0; from < records.length; from += ROWS_PER_INSERT) {
      const chunk = records.slice(from, from + ROWS_PER_INSERT);
      const values: unknown[] = [];
      const rows = chunk.map((record, i) => {
        values.push(
          record.seq,
          record.event.time,
          record.event.type,
          JSON.stringify(record.event),
          record.prevHash,
          record.hash,
        );
        const p = i * 6;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}::jsonb, $${p + 5}, $${p + 6})`;
      });
      await this.pool.query(
        `insert into ${this.table} (seq, time, type, event, prev_hash, hash) values ${rows.join(', ')}`,
        values,
      );
    }
  }

  /** Reads stored records in chain order (for an admin view or `verifyAuditChain`). */
  async records(options: { afterSeq?: number; limit?: number } = {}): Promise<AuditRecord[]> {
    await this.ensureTable();
    const { rows } = await this.pool.query(
      `select seq, event, prev_hash, hash from ${this.table} where seq > $1 order by seq limit $2`,
      [options.afterSeq ?? -1, Math.min(Math.max(options.limit ?? 1_000, 1), 100_000)],
    );
    return (rows as { seq: string | number; event: AuditEvent; prev_hash: string; hash: string }[]).map(
      (row) => ({
        seq: Number(row.seq),
        event: row.event,
        prevHash: row.prev_hash,
        hash: row.hash,
      }),
    );
  }

  /** Ends the pool it created from a connection string; a pool handed in stays the caller's. */
  async close(): Promise<void> {
    await this.ownPool?.close();
  }

  // The pool it owns carries the connection string: never print it.
  [inspect.custom](): string {
    return `PostgresAuditSink { name: ${JSON.stringify(this.name)}, table: ${JSON.stringify(this.table)} }`;
  }

  toJSON(): { name: string; table: string } {
    return { name: this.name, table: this.table };
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
