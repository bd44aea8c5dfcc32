import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the demo needs from its environment; every field has a default so `npm start` needs nothing. */
export interface DemoConfig {
  /** PostgreSQL URL; without it the demo uses an embedded SQLite file. */
  databaseUrl?: string;
  /** Redis URL; with it item reads go through a Redis cache. */
  redisUrl?: string;
  /** SQLite file (default: a fresh file under the OS temp dir, removed at shutdown). */
  sqlitePath?: string;
  /** Table of the items (default `steward_demo_items`). */
  itemsTable: string;
  /** Worker processes of the hash pool (default 2). */
  hashWorkers: number;
  /** Database pool size (default 10). */
  dbMax: number;
  /** Period of the pools' maintenance and keepalive validation, in ms (default 5 000). */
  maintenanceIntervalMs: number;
}

/** Reads the demo's settings from the environment. */
export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    sqlitePath: env.SQLITE_PATH || undefined,
    itemsTable: env.ITEMS_TABLE || 'steward_demo_items',
    hashWorkers: positiveInt(env.HASH_WORKERS, 2),
    dbMax: positiveInt(env.DB_POOL_MAX, 10),
    maintenanceIntervalMs: positiveInt(env.POOL_MAINTENANCE_MS, 5_000),
  };
}

/** A private temp file for the default SQLite database. */
export function defaultSqlitePath(): string {
  return join(tmpdir(), `steward-demo-${process.pid}-${Date.now().toString(36)}`, 'items.db');
}

function positiveInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw !== undefined && Number.isInteger(value) && value > 0 ? value : fallback;
}
