import pg from 'pg';

/** Where the chaos suites find PostgreSQL; the demo under test gets the same server. */
export const databaseUrl = (): string =>
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on a short-lived admin connection. */
export async function adminQuery<R extends pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl(), application_name: 'steward-chaos-admin' });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Backends PostgreSQL has for an application name. */
export async function countBackends(applicationName: string): Promise<number> {
  const rows = await adminQuery<{ n: string }>(
    'select count(*) as n from pg_stat_activity where application_name = $1',
    [applicationName],
  );
  return Number(rows[0]!.n);
}

/** Terminates every backend of an application name (what a failover or an admin does); returns how many. */
export async function terminateBackends(applicationName: string): Promise<number> {
  const rows = await adminQuery<{ ok: boolean }>(
    'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
    [applicationName],
  );
  return rows.filter((r) => r.ok).length;
}
