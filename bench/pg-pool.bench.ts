import pg from 'pg';
import { Pool } from '@steward/pool';
import { postgresFactory } from '@steward/pool/postgres';
import { formatRate, median, printTable } from './support/bench-table.js';

/**
 * `SELECT 1` through Steward's postgres pool and through `pg.Pool` (pg-pool), same `max`, same server,
 * same run, at 10 and 100 concurrent callers. Rounds alternate between the two so machine noise hits
 * both alike; the median round's throughput and p99 latency count.
 */
const MAX = 10;
const CONCURRENCY = [10, 100];
const ROUNDS = 5;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1_500);
const WARMUP_MS = 300;
const URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Peer {
  readonly name: string;
  query(): Promise<unknown>;
  close(): Promise<void>;
}

interface Round {
  opsPerSec: number;
  p99Ms: number;
}

function stewardPeer(): Peer {
  const pool = new Pool(postgresFactory({ connectionString: URL, applicationName: 'steward-bench' }), {
    name: 'bench',
    max: MAX,
    acquireTimeoutMs: 30_000,
  });
  return {
    name: 'steward',
    query: () => pool.use((client) => client.query('SELECT 1')),
    close: () => pool.close(),
  };
}

function pgPoolPeer(): Peer {
  const pool = new pg.Pool({ connectionString: URL, max: MAX, application_name: 'pg-pool-bench' });
  pool.on('error', () => undefined);
  return { name: 'pg-pool', query: () => pool.query('SELECT 1'), close: () => pool.end() };
}

async function measure(peer: Peer, concurrency: number, durationMs: number): Promise<Round> {
  const latencies: number[] = [];
  const end = performance.now() + durationMs;
  const caller = async (): Promise<void> => {
    while (performance.now() < end) {
      const started = performance.now();
      await peer.query();
      latencies.push(performance.now() - started);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
  return { opsPerSec: latencies.length / seconds, p99Ms: p99 };
}

/** Runs the benchmark and prints one row per concurrency level. */
export async function run(): Promise<void> {
  const peers = [stewardPeer(), pgPoolPeer()];
  const rows: (string | number)[][] = [];
  try {
    for (const concurrency of CONCURRENCY) {
      const rounds = new Map<string, Round[]>(peers.map((p) => [p.name, []]));
      for (const peer of peers) await measure(peer, concurrency, WARMUP_MS);
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the order too, so neither peer always runs on a freshly warmed server.
        const order = round % 2 === 0 ? peers : [...peers].reverse();
        for (const peer of order) rounds.get(peer.name)!.push(await measure(peer, concurrency, ROUND_MS));
      }
      const steward = summarize(rounds.get('steward')!);
      const pgPool = summarize(rounds.get('pg-pool')!);
      rows.push([
        `${concurrency} callers, max ${MAX}`,
        formatRate(steward.opsPerSec),
        formatRate(pgPool.opsPerSec),
        (steward.opsPerSec / pgPool.opsPerSec).toFixed(2),
        steward.p99Ms.toFixed(2),
        pgPool.p99Ms.toFixed(2),
      ]);
    }
  } finally {
    for (const peer of peers) await peer.close();
  }
  printTable(
    `SELECT 1 on ${new globalThis.URL(URL).host} (median of ${ROUNDS} rounds of ${ROUND_MS} ms)`,
    ['case', 'steward ops/s', 'pg-pool ops/s', 'ratio', 'steward p99 ms', 'pg-pool p99 ms'],
    rows,
  );
}

function summarize(rounds: Round[]): Round {
  return { opsPerSec: median(rounds.map((r) => r.opsPerSec)), p99Ms: median(rounds.map((r) => r.p99Ms)) };
}
