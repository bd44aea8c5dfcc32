import { Pool } from '@steward/pool';
import { median, printTable } from './support/bench-table.js';

/**
 * Shrinking with many idle resources: `resize(0, 1)` on a pool holding N idle resources destroys
 * N − 1 of them. Each idle removal is O(1), so the cost per resource stays flat as N grows (it was
 * quadratic: 16,384 idle took 4.5 s). `maintain()` evicting all of them by idle timeout is shown beside.
 */
const SIZES = [512, 4_096, 16_384, 32_768];
const ROUNDS = 5;

async function filledPool(size: number, now: { t: number }): Promise<Pool<object>> {
  const pool = new Pool<object>(
    { create: () => Promise.resolve({}), destroy: () => Promise.resolve() },
    { min: size, max: size, idleTimeoutMs: 1_000, clock: { now: () => now.t } },
  );
  await pool.ready();
  return pool;
}

async function timeResize(size: number): Promise<number> {
  const pool = await filledPool(size, { t: 0 });
  const start = performance.now();
  pool.resize(0, 1);
  const ms = performance.now() - start;
  if (pool.stats().idle !== 1) throw new Error(`resize left ${pool.stats().idle} idle`);
  await pool.close();
  return ms;
}

async function timeEviction(size: number): Promise<number> {
  const now = { t: 0 };
  const pool = await filledPool(size, now);
  pool.resize(0, size);
  await pool.maintain(); // first sight of the idle period
  now.t = 2_000;
  const start = performance.now();
  await pool.maintain();
  const ms = performance.now() - start;
  if (pool.stats().idle !== 0) throw new Error(`maintain left ${pool.stats().idle} idle`);
  await pool.close();
  return ms;
}

export async function run(): Promise<void> {
  const rows: (string | number)[][] = [];
  await timeResize(1_024); // warm-up
  for (const size of SIZES) {
    const resize: number[] = [];
    const evict: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      resize.push(await timeResize(size));
      evict.push(await timeEviction(size));
    }
    const r = median(resize);
    const e = median(evict);
    rows.push([
      size,
      r.toFixed(2),
      ((r * 1000) / size).toFixed(3),
      e.toFixed(2),
      ((e * 1000) / size).toFixed(3),
    ]);
  }
  printTable(
    `shrinking N idle resources (median of ${ROUNDS}; linear when µs per resource stays flat)`,
    ['idle N', 'resize(0, 1) ms', 'µs / resource', 'maintain() evicting all, ms', 'µs / resource'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
