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
 * generic-pool, tarn and the minimal reference in one process.
 */
const CONCURRENCY = [1, 16, 256];
const ROUNDS = 7;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 200);
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
    // Each ratio comes from a pair measured back to back (order alternating), so the load of this
    // shared machine, which drifts over seconds, cancels out; the median pair counts.
    const ratios = new Map<string, number[]>(peers.map((p) => [p.name, []]));
    for (const peer of peers) await measure(peer, concurrency, WARMUP_MS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const peer of peers.slice(1)) {
        const first = round % 2 === 0 ? steward : peer;
        const second = first === steward ? peer : steward;
        const a = await measure(first, concurrency, ROUND_MS);
        const b = await measure(second, concurrency, ROUND_MS);
        const [s, p] = first === steward ? [a, b] : [b, a];
        results.get('steward')!.push(s);
        results.get(peer.name)!.push(p);
        ratios.get(peer.name)!.push(s / p);
      }
    }
    const rate = (name: string) => formatRate(median(results.get(name)!));
    const ratio = (name: string) => median(ratios.get(name)!);
    rows.push([
      concurrency,
      rate('steward'),
      rate('generic-pool'),
      rate('tarn'),
      rate('minimal'),
      `${ratio('generic-pool').toFixed(1)}x`,
      `${ratio('tarn').toFixed(1)}x`,
      `${Math.round(100 * ratio('minimal'))}%`,
    ]);
  }
  printTable(
    `acquire + release, ops/s (max ${BENCH_MAX}, acquire timeout on, ${ROUND_MS} ms runs; ratios: median of ${ROUNDS} back-to-back pairs)`,
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
