// User-facing text of the connection budget's errors, in one place so wording stays consistent.
export const budgetMessages = {
  syncFailed: (pool: string, key: string): string =>
    `Pool "${pool}" could not synchronise its connection budget "${key}" with Redis; it keeps the slots it holds`,
  syncTimeout: (pool: string, key: string, ms: number): string =>
    `Pool "${pool}" got no answer from Redis for its connection budget "${key}" within ${ms} ms; it keeps the slots it holds`,
  badReply: (key: string): string => `Redis answered the connection budget "${key}" with an unexpected reply`,
  alreadyBound: (key: string): string =>
    `The connection budget "${key}" is already used by a pool: create one redisBudget per pool`,
} as const;
