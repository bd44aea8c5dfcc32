import {
  BENCH_MAX,
  genericPoolPeer,
  minimalPeer,
  stewardPool,
  tarnPeer,
  type BenchPool,
} from './support/bench-peers.js';
import { formatRate, median, printTable } from './support/bench-table.js';

/**
 * Acquire + release in a loop, at concurrency 1, 16 and 256, max 8, acquire timeout on, for Steward,
 * generic-pool, tarn and the minimal reference in one process. Rounds are interleaved (in alternating
 * order) so machine noise hits every peer alike; the median round counts.
 */
const CONCURRENCY = [1, 16, 256];
const ROUNDS = 7;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 250);
const WARMUP_MS = 150;

async function measure(pool: BenchPool, concurrency: number, durationMs: number): Promise<number> {
  let ops = 0;
  const end = performance.now() + durationMs;
  const worker = async (): Promise<void> => {
    // The clock is read every 64 loops: an idle fast path never yields to timers, so a timer-based stop would not fire.
    for (;;) {
      for (let i = 0; i < 64; i++) {
        const handle = await pool.acquire();
        pool.release(handle);
      }
      ops += 64;
      if (performance.now() >= end) return;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ops / ((performance.now() - start) / 1000);
}

function measureSync(tryAcquireRelease: () => void, durationMs: number): number {
  let ops = 0;
  const start = performance.now();
  const end = start + durationMs;
  while (performance.now() < end) {
    for (let i = 0; i < 1024; i++) tryAcquireRelease();
    ops += 1024;
  }
  return ops / ((performance.now() - start) / 1000);
}

/** Runs the benchmark and prints its tables. */
export async function run(): Promise<void> {
  const steward = await stewardPool();
  const peers: BenchPool[] = [steward, await genericPoolPeer(), await tarnPeer(), minimalPeer()];
  const rows: (string | number)[][] = [];
  for (const concurrency of CONCURRENCY) {
    const results = new Map<string, number[]>(peers.map((p) => [p.name, []]));
    for (const peer of peers) await measure(peer, concurrency, WARMUP_MS);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so no peer always runs right after the same neighbour (GC debt, JIT state).
      const order = round % 2 === 0 ? peers : [...peers].reverse();
      for (const peer of order) results.get(peer.name)!.push(await measure(peer, concurrency, ROUND_MS));
    }
    const rate = (name: string) => median(results.get(name)!);
    const s = rate('steward');
    rows.push([
      concurrency,
      formatRate(s),
      formatRate(rate('generic-pool')),
      formatRate(rate('tarn')),
      formatRate(rate('minimal')),
      `${(s / rate('generic-pool')).toFixed(1)}x`,
      `${(s / rate('tarn')).toFixed(1)}x`,
      `${Math.round((100 * s) / rate('minimal'))}%`,
    ]);
  }
  printTable(
    `acquire + release, ops/s (max ${BENCH_MAX}, acquire timeout on, median of ${ROUNDS} x ${ROUND_MS} ms)`,
    ['concurrency', 'steward', 'generic-pool', 'tarn', 'minimal', 'vs generic-pool', 'vs tarn', 'vs minimal'],
    rows,
  );

  const pool = steward.pool;
  const minimal = (peers[3] as ReturnType<typeof minimalPeer>).pool;
  const stewardSync = () => pool.tryAcquire()!.release();
  const minimalSync = () => minimal.release(minimal.tryAcquire()!);
  measureSync(stewardSync, WARMUP_MS);
  measureSync(minimalSync, WARMUP_MS);
  const syncS: number[] = [];
  const syncM: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    syncS.push(measureSync(stewardSync, ROUND_MS));
    syncM.push(measureSync(minimalSync, ROUND_MS));
  }
  printTable(
    'tryAcquire + release (synchronous), ops/s',
    ['pool', 'ops/s'],
    [
      ['steward', formatRate(median(syncS))],
      ['minimal', formatRate(median(syncM))],
    ],
  );
  for (const peer of peers) await peer.close();
}
