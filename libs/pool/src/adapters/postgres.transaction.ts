import type pg from 'pg';
import { backoffDelay, OptionChecker, type BackoffOptions } from '@steward/common';
import type { Pool } from '../core/pool.js';

/** Options of `withTransaction`. */
export interface TransactionOptions {
  /** Statement that opens the transaction (default `BEGIN`), e.g. `BEGIN ISOLATION LEVEL SERIALIZABLE`. */
  begin?: string;
  /** Further attempts after a serialization failure (40001) or a deadlock (40P01); default 0, at most 10. */
  retries?: number;
  /** Wait between attempts, with full jitter (default base 10 ms, max 1 000 ms). */
  backoff?: BackoffOptions;
  /** Passed to the pool's `acquire`: gives up waiting for a connection when it aborts. */
  signal?: AbortSignal;
}

/** SQLSTATEs after which the same transaction may well succeed when run again. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `fn` inside a transaction on one pooled connection: BEGIN, COMMIT when `fn` resolves, ROLLBACK
 * when it throws (the error is rethrown). With `retries`, a serialization failure or a deadlock runs
 * the whole transaction again, so `fn` must be safe to repeat.
 */
export async function withTransaction<R>(
  pool: Pool<pg.Client>,
  fn: (client: pg.Client) => Promise<R>,
  options: TransactionOptions = {},
): Promise<R> {
  const check = new OptionChecker('withTransaction');
  check.integer('retries', options.retries, 0, 10);
  check.throwIfAny();
  const retries = options.retries ?? 0;
  const backoff = options.backoff ?? { baseMs: 10, maxMs: 1_000 };
  for (let attempt = 0; ; attempt++) {
    try {
      return await pool.use((client) => once(client, fn, options.begin ?? 'BEGIN'), {
        signal: options.signal,
      });
    } catch (error) {
      if (attempt >= retries || !RETRYABLE.has(sqlState(error))) throw error;
      const delay = backoffDelay(attempt, backoff);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function once<R>(client: pg.Client, fn: (client: pg.Client) => Promise<R>, begin: string): Promise<R> {
  await client.query(begin);
  let result: R;
  try {
    result = await fn(client);
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The pool's reset sees the transaction still open, tries again and destroys the connection.
    }
    throw error;
  }
  await client.query('COMMIT');
  return result;
}

function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}
