/** Settings of `sqliteFactory`. */
export interface SqliteFactoryOptions {
  /** Database file. `:memory:` gives every connection its own empty database, so pools want a file. */
  path: string;
  /** Open read-only (default false). */
  readOnly?: boolean;
  /** How long a statement waits on a lock held by another connection (default 5 000). */
  busyTimeoutMs?: number;
  /** Journal mode set on open (default `WAL`: readers never block the writer). */
  journalMode?: 'WAL' | 'DELETE' | 'TRUNCATE' | 'MEMORY';
  /** Statements run once per new connection, e.g. `PRAGMA foreign_keys = ON`. */
  init?: readonly string[];
}
