import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionsError, type OptionIssue } from '@steward/common';
import { isTableName } from './items/items.repository.js';

/** What the demo needs from its environment; every field has a default so `npm start` needs nothing. */
export interface DemoConfig {
  /** PostgreSQL URL; without it the demo uses an embedded SQLite file. */
  databaseUrl?: string;
  /** `application_name` of the demo's PostgreSQL connections (default `steward-demo`). */
  pgApplicationName: string;
  /** Redis URL; with it item reads go through a Redis cache. */
  redisUrl?: string;
  /** Client name of the demo's Redis connections (default `steward-demo`). */
  redisConnectionName: string;
  /** SQLite file (default: a fresh file under the OS temp dir, removed at shutdown). */
  sqlitePath?: string;
  /** Table of the items (default `steward_demo_items`). */
  itemsTable: string;
  /** Worker processes of the hash pool (default 2). */
  hashWorkers: number;
  /** Database pool size (default 10). */
  dbMax: number;
  /** Idle database connections above `min` close after this long, in ms (default 600 000). */
  dbIdleTimeoutMs: number;
  /**
   * A connection budget shared by every replica through Redis (`STEWARD_DB_BUDGET_TOTAL`, needs `REDIS_URL`
   * and `DATABASE_URL`): at most `total` database connections across all replicas together.
   */
  dbBudget?: { total: number; key: string; leaseTtlMs: number; minPerReplica: number };
  /** How long a request waits for a database connection, in ms (default 5 000). */
  dbAcquireTimeoutMs: number;
  /** A db lease held longer than this is reported as a leak, in ms (default: off). */
  dbLeakDetectionMs?: number;
  /** Period of the pools' maintenance and keepalive validation, in ms (default 5 000). */
  maintenanceIntervalMs: number;
  /** The audit trail's JSONL file (`STEWARD_AUDIT_FILE`), which `GET /admin/audit` reads. */
  auditFile?: string;
  /** Shutdown budget (see LifecycleModule): keep serving, drain HTTP, stop units, all inside the deadline. */
  shutdown: { delayMs: number; drainTimeoutMs: number; stopTimeoutMs: number; deadlineMs: number };
}

/**
 * Reads the demo's settings from the environment. Every bad setting is reported at once, named by its
 * variable; values are never echoed (a URL may carry a password).
 */
export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const issues: OptionIssue[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      issues.push({ path: name, message: `must be an integer from ${min} to ${max}` });
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: readonly string[]): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    let protocol: string | undefined;
    try {
      protocol = new URL(raw).protocol;
    } catch {
      protocol = undefined;
    }
    if (!protocol || !protocols.includes(protocol)) {
      issues.push({ path: name, message: `must be a ${protocols.map((p) => p + '//').join(' or ')} URL` });
      return undefined;
    }
    return raw;
  };
  const name = (key: string, fallback: string): string => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    if (!/^[A-Za-z0-9_.:-]{1,63}$/.test(raw)) {
      issues.push({ path: key, message: 'must be 1-63 letters, digits or _ . : -' });
      return fallback;
    }
    return raw;
  };

  const leak = int('DB_LEAK_DETECTION_MS', 0, 0, 3_600_000);
  const budgetTotal = int('STEWARD_DB_BUDGET_TOTAL', 0, 0, 100_000);
  const config: DemoConfig = {
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    pgApplicationName: name('PG_APPLICATION_NAME', 'steward-demo'),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    redisConnectionName: name('REDIS_CONNECTION_NAME', 'steward-demo'),
    sqlitePath: env.SQLITE_PATH || undefined,
    itemsTable: name('ITEMS_TABLE', 'steward_demo_items'),
    hashWorkers: int('HASH_WORKERS', 2, 1, 64),
    dbMax: int('DB_POOL_MAX', 10, 1, 1_000),
    dbAcquireTimeoutMs: int('DB_ACQUIRE_TIMEOUT_MS', 5_000, 1, 600_000),
    dbIdleTimeoutMs: int('DB_IDLE_TIMEOUT_MS', 600_000, 0, 86_400_000),
    dbBudget:
      budgetTotal > 0
        ? {
            total: budgetTotal,
            key: name('STEWARD_DB_BUDGET_KEY', 'steward-demo:db'),
            leaseTtlMs: int('STEWARD_DB_BUDGET_LEASE_TTL_MS', 10_000, 300, 600_000),
            minPerReplica: int('STEWARD_DB_BUDGET_MIN_PER_REPLICA', 1, 0, 100_000),
          }
        : undefined,
    dbLeakDetectionMs: leak > 0 ? leak : undefined,
    maintenanceIntervalMs: int('POOL_MAINTENANCE_MS', 5_000, 100, 3_600_000),
    auditFile: env.STEWARD_AUDIT_FILE || undefined,
    shutdown: {
      delayMs: int('STEWARD_SHUTDOWN_DELAY_MS', 5_000, 0, 600_000),
      drainTimeoutMs: int('STEWARD_DRAIN_TIMEOUT_MS', 10_000, 0, 600_000),
      stopTimeoutMs: int('STEWARD_STOP_TIMEOUT_MS', 5_000, 1, 600_000),
      deadlineMs: int('STEWARD_SHUTDOWN_DEADLINE_MS', 25_000, 1, 3_600_000),
    },
  };
  // LifecycleModule refuses this too, but in its own option names; here it names the variables.
  const { delayMs, drainTimeoutMs, stopTimeoutMs, deadlineMs } = config.shutdown;
  if (issues.length === 0 && delayMs + drainTimeoutMs + stopTimeoutMs > deadlineMs) {
    const message =
      'STEWARD_SHUTDOWN_DELAY_MS + STEWARD_DRAIN_TIMEOUT_MS + STEWARD_STOP_TIMEOUT_MS must not exceed it';
    issues.push({ path: 'STEWARD_SHUTDOWN_DEADLINE_MS', message });
  }
  if (config.dbBudget && (!config.redisUrl || !config.databaseUrl)) {
    issues.push({ path: 'STEWARD_DB_BUDGET_TOTAL', message: 'needs REDIS_URL and DATABASE_URL' });
  }
  // The repositories check it again; here a bad one is one message at boot, not a stack trace.
  if (!isTableName(config.itemsTable)) {
    issues.push({
      path: 'ITEMS_TABLE',
      message: 'must be lower-case letters, digits and _ only, not starting with a digit (an SQL identifier)',
    });
  }
  if (issues.length > 0) throw new InvalidOptionsError('demo', issues);
  return config;
}

/** A private temp file for the default SQLite database. */
export function defaultSqlitePath(): string {
  return join(tmpdir(), `steward-demo-${process.pid}-${Date.now().toString(36)}`, 'items.db');
}
