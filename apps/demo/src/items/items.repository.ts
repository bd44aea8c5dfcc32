import type { Item } from './interfaces/item.interface.js';

/** Storage of the items; one implementation per database. Also the DI token. */
export abstract class ItemsRepository {
  /** Creates the table when missing. */
  abstract migrate(): Promise<void>;
  /** Up to `limit` items with an id above `after` (0: from the start), by id: one keyset page. */
  abstract list(limit: number, after: number): Promise<Item[]>;
  abstract get(id: number): Promise<Item | undefined>;
  abstract create(name: string, description: string | null): Promise<Item>;
  /** True when a row was deleted. */
  abstract delete(id: number): Promise<boolean>;
}

/** True for a plain lower-case SQL identifier: the same name unquoted on SQLite and PostgreSQL. */
export function isTableName(name: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(name);
}

/** Table names are interpolated into SQL, so only plain identifiers are accepted. */
export function checkTableName(name: string): string {
  if (!isTableName(name)) throw new Error('ITEMS_TABLE must be a lower-case SQL identifier');
  return name;
}
