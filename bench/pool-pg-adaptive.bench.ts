import { availableParallelism, loadavg } from 'node:os';
import pg from 'pg';
import { Pool, type PoolOptions } from '@steward/pool';
import { median, printTable } from './support/bench-table.js';

/**
 * Adaptive sizing against real PostgreSQL with a CPU-bound query: the knee is the number of cores the
 * server may use. 32 clients loop over `pool.use()`; fixed sizes and `{ max: 32, adaptive: true }` run
 * in alternating rounds (this machine is shared: its load drifts over seconds, so each configuration
 * meets it alike), and the median round counts. The adaptive pool lives across its rounds: it learns
 * once. Reported: throughput, and p99 of the query (lease) time and of acquire + query.
 */
const URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLIENTS = Number(process.env.BENCH_PG_CLIENTS ?? 32);
const MAX = CLIENTS;
const FIXED = [1, 2, 3, 4, 6, 8, 16, 32].filter((n) => n <= MAX);
const ROUNDS = Number(process.env.BENCH_PG_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_PG_ROUND_MS ?? 3_000);
const LEARN_MS = Number(process.env.BENCH_PG_LEARN_MS ?? 15_000);
// About 15 ms of one core per query on this machine.
const SQL = 'SELECT sum(i) FROM generate_series(1, 100000) i';

interface Round {
  perSec: number;
  queryP99: number;
  totalP99: number;
  limit: number;
}

function makePool(options: PoolOptions): Pool<pg.Client> {
  return new Pool<pg.Client>(
    {
      create: async () => {
        const client = new pg.Client({ connectionString: URL, application_name: 'steward-bench-adaptive' });
        client.on('error', () => undefined);
        await client.connect();
        return client;
      },
      destroy: (client) => client.end(),
    },
    { acquireTimeoutMs: 60_000, ...options },
  );
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

async function round(pool: Pool<pg.Client>, ms: number): Promise<Round> {
  const stop = performance.now() + ms;
  const query: number[] = [];
  const total: number[] = [];
  const client = async () => {
    while (performance.now() < stop) {
      const asked = performance.now();
      await pool.use(async (c) => {
        const start = performance.now();
        await c.query(SQL);
        query.push(performance.now() - start);
      });
      total.push(performance.now() - asked);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return {
    perSec: total.length / ((performance.now() - start) / 1000),
    queryP99: p99(query),
    totalP99: p99(total),
    limit: pool.stats().effectiveMax,
  };
}

export async function run(): Promise<void> {
  const configs: { name: string; pool: Pool<pg.Client> }[] = [
    ...FIXED.map((max) => ({ name: `fixed ${max}`, pool: makePool({ max, min: max }) })),
    { name: `adaptive (max ${MAX})`, pool: makePool({ max: MAX, adaptive: true }) },
  ];
  for (const c of configs) await c.pool.ready();
  const adaptive = configs[configs.length - 1];
  await round(adaptive.pool, LEARN_MS);
  const results = new Map<string, Round[]>(configs.map((c) => [c.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? configs : [...configs].reverse();
    for (const c of order) results.get(c.name)!.push(await round(c.pool, ROUND_MS));
  }
  // The knee is the cores PostgreSQL gets: on a machine other processes keep busy, more backends win a
  // larger share of the CPU, and throughput keeps rising past the core count.
  const load = loadavg()[0];
  const summary = configs.map((c) => {
    const rounds = results.get(c.name)!;
    return {
      name: c.name,
      perSec: median(rounds.map((x) => x.perSec)),
      queryP99: median(rounds.map((x) => x.queryP99)),
      totalP99: median(rounds.map((x) => x.totalP99)),
      limits: rounds.map((x) => x.limit),
    };
  });
  const fixed = summary.slice(0, -1);
  const best = fixed.reduce((a, b) => (b.perSec > a.perSec ? b : a));
  const atMax = fixed[fixed.length - 1];
  const a = summary[summary.length - 1];
  printTable(
    `PostgreSQL, CPU-bound query (${SQL}), ${CLIENTS} clients; medians of ${ROUNDS} alternating ${ROUND_MS / 1000} s rounds; adaptive learnt ${LEARN_MS / 1000} s first`,
    ['pool', 'queries/s', 'query p99 ms', 'acquire+query p99 ms', 'limit at round ends'],
    summary.map((s) => [
      s.name,
      s.perSec.toFixed(0),
      s.queryP99.toFixed(1),
      s.totalP99.toFixed(1),
      s.name.startsWith('adaptive') ? s.limits.join(' ') : '',
    ]),
  );
  console.log(
    `adaptive ÷ best fixed (${best.name}): ${(a.perSec / best.perSec).toFixed(3)} (target ≥ 0.9); ` +
      `query p99 ${a.queryP99.toFixed(1)} ms vs ${atMax.queryP99.toFixed(1)} ms at ${atMax.name}; ` +
      `acquire+query p99 ${a.totalP99.toFixed(1)} ms vs ${atMax.totalP99.toFixed(1)} ms; ` +
      `load average ${load.toFixed(1)} on ${availableParallelism()} cores`,
  );
  for (const c of configs) await c.pool.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
