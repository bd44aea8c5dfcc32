// User-facing text of the PostgreSQL adapter. Never a connection string or a query's parameters.
export const PostgresMessages = {
  resetBroken: 'postgres connection returned broken; not lent again',
  resetFailed: 'postgres connection could not be reset (ROLLBACK or resetQuery failed); not lent again',
} as const;
