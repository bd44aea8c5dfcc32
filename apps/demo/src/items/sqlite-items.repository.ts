import type { DatabaseSync } from 'node:sqlite';
import type { Pool } from '@steward/pool';
import type { Item } from './interfaces/item.interface.js';
import { checkTableName, ItemsRepository } from './items.repository.js';

interface Row {
  id: number;
  name: string;
  description: string | null;
  created_at: string;
}

/** Items in SQLite through the `db` pool of `node:sqlite` connections. */
export class SqliteItemsRepository extends ItemsRepository {
  private readonly table: string;

  constructor(
    private readonly pool: Pool<DatabaseSync>,
    table: string,
  ) {
    super();
    this.table = checkTableName(table);
  }

  async migrate(): Promise<void> {
    await this.pool.use((db) =>
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
           id INTEGER PRIMARY KEY AUTOINCREMENT,
           name TEXT NOT NULL,
           description TEXT,
           created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`,
      ),
    );
  }

  list(limit: number, after: number): Promise<Item[]> {
    return this.pool.use((db) =>
      (
        db
          .prepare(`SELECT * FROM ${this.table} WHERE id > ? ORDER BY id LIMIT ?`)
          .all(after, limit) as unknown as Row[]
      ).map(toItem),
    );
  }

  get(id: number): Promise<Item | undefined> {
    return this.pool.use((db) => {
      const row = db.prepare(`SELECT * FROM ${this.table} WHERE id = ?`).get(id) as Row | undefined;
      return row && toItem(row);
    });
  }

  create(name: string, description: string | null): Promise<Item> {
    return this.pool.use((db) => {
      const row = db
        .prepare(`INSERT INTO ${this.table} (name, description) VALUES (?, ?) RETURNING *`)
        .get(name, description) as unknown as Row;
      return toItem(row);
    });
  }

  delete(id: number): Promise<boolean> {
    return this.pool.use(
      (db) => Number(db.prepare(`DELETE FROM ${this.table} WHERE id = ?`).run(id).changes) > 0,
    );
  }
}

function toItem(row: Row): Item {
  return { id: Number(row.id), name: row.name, description: row.description, createdAt: row.created_at };
}
