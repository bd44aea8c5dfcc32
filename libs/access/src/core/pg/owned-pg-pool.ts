import type pg from 'pg';
import { requireOptionalPeer, Secret } from '@steward/common';

/** How a store, sink or anchor opens the pg pool it owns when it is given a connection string. */
export interface OwnedPgPoolOptions {
  /** The class that needs pg, named when pg is not installed (`OptionalPeerMissingError`). */
  readonly feature: string;
  readonly connectionString: string | Secret;
  readonly max: number;
  /** How long a query waits for a connection before it fails (pg's `connectionTimeoutMillis`). */
  readonly connectTimeoutMs: number;
}

/**
 * A pg pool opened on the first query, so pg (an optional peer) loads only in apps that use it. An idle
 * client that dies never crashes the process: the next query gets a fresh one. Holds the connection
 * string; the classes that own one never print it.
 */
export class OwnedPgPool {
  private pool: Promise<pg.Pool> | undefined;

  constructor(private readonly options: OwnedPgPoolOptions) {}

  /** `pg.Pool#query`, opening the pool first if needed. */
  async query(text: string, values?: unknown[]): Promise<pg.QueryResult> {
    return (await this.open()).query(text, values);
  }

  /** Ends the pool if it was opened; the next query opens a new one. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await (await pool)?.end();
  }

  private open(): Promise<pg.Pool> {
    const { feature, connectionString, max, connectTimeoutMs } = this.options;
    this.pool ??= requireOptionalPeer<{ default: typeof pg }>('pg', feature).then(({ default: driver }) => {
      const pool = new driver.Pool({
        connectionString: connectionString instanceof Secret ? connectionString.reveal() : connectionString,
        max,
        idleTimeoutMillis: 10_000,
        connectionTimeoutMillis: connectTimeoutMs,
      });
      pool.on('error', () => undefined);
      return pool;
    });
    return this.pool;
  }
}
