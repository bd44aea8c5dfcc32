import pg from 'pg';
import { databaseUrl } from './services.js';

/** A unique application_name per test, so concurrent suites never count each other's backends. */
export const uniqueAppName = (label: string): string =>
  `steward-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/** Runs one query on a side connection that is not part of any pool under test. */
export async function adminQuery<R extends pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl(), application_name: 'steward-test-admin' });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Backends PostgreSQL currently has for `applicationName`. */
export async function backendCount(applicationName: string): Promise<number> {
  const rows = await adminQuery<{ n: string }>(
    'SELECT count(*)::text AS n FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Polls until the backend count equals `expected` (the server notices a closed socket asynchronously). */
export async function waitForBackends(
  applicationName: string,
  expected: number,
  timeoutMs = 5_000,
): Promise<number> {
  const until = Date.now() + timeoutMs;
  let count = await backendCount(applicationName);
  while (count !== expected && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    count = await backendCount(applicationName);
  }
  return count;
}

/** Terminates every backend of `applicationName`; returns how many were killed. */
export async function terminateBackends(applicationName: string): Promise<number> {
  const rows = await adminQuery<{ ok: boolean }>(
    'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return rows.filter((r) => r.ok).length;
}

/** A running sample of the backends of one application name; `stop()` ends it and closes its connection. */
export interface BackendSampler {
  /** One count per sample, in order. */
  readonly counts: number[];
  stop(): Promise<void>;
}

/**
 * Counts the backends of `applicationName` on a side connection every `everyMs` until stopped, calling
 * `alsoEach` after each count (e.g. to read what a budget granted at the same moment).
 */
export async function sampleBackends(
  applicationName: string,
  everyMs: number,
  alsoEach?: () => Promise<void>,
): Promise<BackendSampler> {
  const admin = new pg.Client({ connectionString: databaseUrl(), application_name: 'steward-test-admin' });
  await admin.connect();
  const counts: number[] = [];
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const { rows } = await admin.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      counts.push(rows[0]!.n);
      await alsoEach?.();
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    counts,
    stop: async () => {
      sampling = false;
      try {
        await loop;
      } finally {
        await admin.end();
      }
    },
  };
}
