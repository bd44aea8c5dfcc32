import type pg from 'pg';
import type { Pool } from '@steward/pool';
import type { Item } from './interfaces/item.interface.js';
import { checkTableName, ItemsRepository } from './items.repository.js';

interface Row {
  id: number;
  name: string;
  description: string | null;
  created_at: Date;
}

/** Items in PostgreSQL through the `db` pool of `pg` clients. */
export class PostgresItemsRepository extends ItemsRepository {
  private readonly table: string;

  constructor(
    private readonly pool: Pool<pg.Client>,
    table: string,
  ) {
    super();
    this.table = checkTableName(table);
  }

  async migrate(): Promise<void> {
    await this.pool.use((client) =>
      client.query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
           id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           name text NOT NULL,
           description text,
           created_at timestamptz NOT NULL DEFAULT now())`,
      ),
    );
  }

  async list(limit: number, after: number): Promise<Item[]> {
    // Keyset paging: the primary key index finds the page start; OFFSET would read and drop every row before it.
    const result = await this.pool.use((client) =>
      client.query<Row>(`SELECT * FROM ${this.table} WHERE id > $1 ORDER BY id LIMIT $2`, [after, limit]),
    );
    return result.rows.map(toItem);
  }

  async get(id: number): Promise<Item | undefined> {
    const result = await this.pool.use((client) =>
      client.query<Row>(`SELECT * FROM ${this.table} WHERE id = $1`, [id]),
    );
    return result.rows[0] && toItem(result.rows[0]);
  }

  async create(name: string, description: string | null): Promise<Item> {
    const result = await this.pool.use((client) =>
      client.query<Row>(`INSERT INTO ${this.table} (name, description) VALUES ($1, $2) RETURNING *`, [
        name,
        description,
      ]),
    );
    return toItem(result.rows[0]!);
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.pool.use((client) =>
      client.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]),
    );
    return (result.rowCount ?? 0) > 0;
  }
}

function toItem(row: Row): Item {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at.toISOString(),
  };
}
