import { DatabaseSync } from 'node:sqlite';
import { InvalidOptionsError } from '@steward/common';
import type { ResourceFactory } from '../core/interfaces/resource-factory.interface.js';
import { AdapterMessages } from './adapter.messages.js';
import type { SqliteFactoryOptions } from './interfaces/sqlite-factory-options.interface.js';

const JOURNAL_MODES: ReadonlySet<string> = new Set(['WAL', 'DELETE', 'TRUNCATE', 'MEMORY']);

/** True when a `node:sqlite` error means the handle is unusable (closed), not that the SQL was wrong. */
export function isSqliteConnectionError(error: unknown): boolean {
  // Duck-typed, not instanceof: errors from node built-ins may come from another realm (vm, Jest).
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'ERR_INVALID_STATE' || (typeof message === 'string' && /database is not open/i.test(message))
  );
}

/** A `node:sqlite` `DatabaseSync` factory: WAL journal, busy timeout, `SELECT 1` validation. */
export function sqliteFactory(options: SqliteFactoryOptions): ResourceFactory<DatabaseSync> {
  const { path, readOnly = false, busyTimeoutMs = 5_000, journalMode = 'WAL', init = [] } = options;
  // The mode is spliced into a PRAGMA (it cannot be a bound parameter): only the known words get there.
  if (!JOURNAL_MODES.has(journalMode)) {
    throw new InvalidOptionsError('sqliteFactory', [
      { path: 'journalMode', message: AdapterMessages.oneOf([...JOURNAL_MODES]) },
    ]);
  }

  return {
    async create(signal: AbortSignal): Promise<DatabaseSync> {
      if (signal.aborted) throw signal.reason;
      const db = new DatabaseSync(path, { readOnly, timeout: busyTimeoutMs });
      try {
        // Read-only handles cannot switch the journal mode; the writer set it when it created the file.
        if (!readOnly) db.exec(`PRAGMA journal_mode = ${journalMode}`);
        for (const statement of init) db.exec(statement);
      } catch (error) {
        db.close();
        throw error;
      }
      return db;
    },

    async destroy(db: DatabaseSync): Promise<void> {
      if (db.isOpen) db.close();
    },

    async validate(db: DatabaseSync): Promise<boolean> {
      if (!db.isOpen) return false;
      try {
        db.prepare('SELECT 1').get();
        return true;
      } catch {
        return false;
      }
    },

    isBroken: isSqliteConnectionError,
  };
}
