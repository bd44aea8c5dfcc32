import type pg from 'pg';

/** Settings of `postgresFactory`: any `pg.ClientConfig` plus the pool-facing knobs. */
export interface PostgresFactoryOptions extends Omit<
  pg.ClientConfig,
  'application_name' | 'connectionTimeoutMillis'
> {
  /** Shown in `pg_stat_activity.application_name`; lets operators count a pool's backends (default `steward`). */
  applicationName?: string;
  /** Bound on TCP connect + startup, on top of the pool's `createTimeoutMs` (default 10 000). */
  connectTimeoutMs?: number;
  /** Query run by `validate` (default `SELECT 1`). */
  validationQuery?: string;
  /**
   * Query run when a lease is returned, after the rollback of a transaction left open: `DISCARD ALL`
   * also drops session settings, temp tables, prepared statements, advisory locks and LISTENs.
   * None by default (see the README's session-state rules).
   */
  resetQuery?: string;
  /** How long `destroy` waits for a graceful goodbye before it cuts the socket (default 2 000). */
  endTimeoutMs?: number;
}
