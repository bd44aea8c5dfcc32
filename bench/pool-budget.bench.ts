import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Pool } from '@steward/pool';
import { redisBudget } from '@steward/pool/budget';
import { BENCH_ACQUIRE_TIMEOUT_MS, BENCH_MAX, type TrivialResource } from './support/bench-peers.js';
import { formatRate, median, printTable } from './support/bench-table.js';

/**
 * The cost of a connection budget coordinated in Redis (issue 16): acquire + release with and without
 * `redisBudget`, max 8, at concurrency 1, 16 and 256, alternating back-to-back pairs. Only a create or a
 * destroy touches the budget (and Redis only when slots must be asked for or given back), so the target
 * is within 5 % of the pool without one. Needs Redis (TEST_REDIS_URL, default 127.0.0.1:6379).
 */
const CONCURRENCY = [1, 16, 256];
const ROUNDS = 7;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 200);
const WARMUP_MS = 150;
const LEASE_TTL_MS = 1_000;

let nextId = 0;
const factory = {
  create: async (): Promise<TrivialResource> => ({ id: nextId++ }) as unknown as TrivialResource,
  destroy: async (): Promise<void> => undefined,
};

async function measure(
  pool: Pool<TrivialResource>,
  concurrency: number,
  durationMs: number,
): Promise<number> {
  let ops = 0;
  const end = performance.now() + durationMs;
  const worker = async (): Promise<void> => {
    // The clock is read every 64 loops: an idle fast path never yields to timers.
    for (;;) {
      for (let i = 0; i < 64; i++) (await pool.acquire()).release();
      ops += 64;
      if (performance.now() >= end) return;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ops / ((performance.now() - start) / 1000);
}

/** Runs the benchmark and prints its table. */
export async function run(): Promise<void> {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 1,
  });
  const key = `steward:bench:budget:${randomUUID()}`;
  const options = { min: BENCH_MAX, max: BENCH_MAX, acquireTimeoutMs: BENCH_ACQUIRE_TIMEOUT_MS };
  const plain = new Pool<TrivialResource>(factory, { name: 'plain', ...options });
  const budgeted = new Pool<TrivialResource>(factory, {
    name: 'budget',
    ...options,
    budget: redisBudget({ redis, key, total: BENCH_MAX, leaseTtlMs: LEASE_TTL_MS }),
  });
  try {
    // The budget grants nothing for one lease TTL after its epoch is born (replicas re-register first).
    await Promise.all([plain.ready(), budgeted.ready()]);
    const rows: (string | number)[][] = [];
    for (const concurrency of CONCURRENCY) {
      await measure(plain, concurrency, WARMUP_MS);
      await measure(budgeted, concurrency, WARMUP_MS);
      const withRates: number[] = [];
      const withoutRates: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const budgetFirst = round % 2 === 0;
        const first = await measure(budgetFirst ? budgeted : plain, concurrency, ROUND_MS);
        const second = await measure(budgetFirst ? plain : budgeted, concurrency, ROUND_MS);
        const [w, wo] = budgetFirst ? [first, second] : [second, first];
        withRates.push(w);
        withoutRates.push(wo);
        ratios.push(w / wo);
      }
      rows.push([
        concurrency,
        formatRate(median(withRates)),
        formatRate(median(withoutRates)),
        `${(100 * median(ratios)).toFixed(1)}%`,
      ]);
    }
    const held = budgeted.stats().budget!;
    printTable(
      `acquire + release with a Redis connection budget vs without, ops/s (max ${BENCH_MAX}, ${ROUND_MS} ms runs; ratio: median of ${ROUNDS} back-to-back pairs; target >= 95%)`,
      ['concurrency', 'with budget', 'without', 'ratio'],
      rows,
    );
    console.log(
      `budget: held ${held.held}, granted ${held.grantedTotal}, renew errors ${held.renewErrorsTotal}`,
    );
  } finally {
    await Promise.all([plain.close(), budgeted.close()]);
    const keys = await redis.keys(`{${key}}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}
