import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionsError } from '@steward/common';
import type { SqliteFactoryOptions } from './interfaces/sqlite-factory-options.interface.js';
import { sqliteFactory } from './sqlite.factory.js';

describe('sqliteFactory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'steward-sqlite-spec-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a journal mode that is not one of the known words, without echoing it', () => {
    const journalMode = 'WAL; DROP TABLE items' as SqliteFactoryOptions['journalMode'];
    let caught: unknown;
    try {
      sqliteFactory({ path: join(dir, 'x.db'), journalMode });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    expect((caught as InvalidOptionsError).issues.map((i) => i.path)).toEqual(['journalMode']);
    expect((caught as Error).message).not.toContain('DROP');
  });

  it('opens connections in the configured journal mode', async () => {
    const factory = sqliteFactory({ path: join(dir, 'x.db'), journalMode: 'WAL' });
    const db = await factory.create(new AbortController().signal);
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(await factory.validate!(db, new AbortController().signal)).toBe(true);
    } finally {
      await factory.destroy(db);
    }
    expect(await factory.validate!(db, new AbortController().signal)).toBe(false);
  });
});
