import { Pool, type PoolOptions } from '@steward/pool';
import { printTable } from './support/bench-table.js';
import { seededRandom, VirtualTime } from './support/virtual-time.js';

/**
 * Adaptive sizing against modelled backends, in fake time (deterministic: the numbers do not depend on
 * how busy this machine is). A closed loop of clients calls `pool.use()`; the backend's service time
 * grows once more than K leases are in flight:
 *
 * - knee:   base · max(1, n/K)       throughput flat past K, latency grows (a CPU-bound database)
 * - thrash: base · max(1, (n/K)²)    throughput falls past K (contention, cache and lock thrash)
 *
 * each with no noise, uniform ±20 % and ±50 % noise per request, and exponential service times. Every
 * row compares `{ max: 100, adaptive: true }` (untuned) with the best fixed `max` from a sweep, and
 * prints the limit adaptive settled at.
 */
type Shape = 'knee' | 'thrash';
type Noise = 'none' | '±20%' | '±50%' | 'exp';

interface Scenario {
  shape: Shape;
  noise: Noise;
  knee: number;
  clients: number;
}

const BASE_MS = 20;
const LEARN_MS = Number(process.env.BENCH_ADAPTIVE_LEARN_MS ?? 60_000);
const MEASURE_MS = Number(process.env.BENCH_ADAPTIVE_MEASURE_MS ?? 60_000);

function serviceTime(s: Scenario, inFlight: number, random: () => number): number {
  const load = inFlight / s.knee;
  const shape = s.shape === 'knee' ? Math.max(1, load) : Math.max(1, load * load);
  const u = random();
  const noise =
    s.noise === 'none'
      ? 1
      : s.noise === '±20%'
        ? 0.8 + 0.4 * u
        : s.noise === '±50%'
          ? 0.5 + u
          : -Math.log(1 - u);
  return BASE_MS * shape * noise;
}

interface Result {
  throughput: number;
  /** Time-weighted mean of the effective max over the measured window. */
  meanLimit: number;
  minLimit: number;
  maxLimit: number;
}

/** Runs `clients` loops for `learnMs` unmeasured then `measureMs` measured, in fresh fake time. */
export async function simulate(
  s: Scenario,
  options: PoolOptions,
  learnMs: number,
  measureMs: number,
  seed = 1,
): Promise<Result> {
  const vt = new VirtualTime().install();
  try {
    const random = seededRandom(seed);
    const pool = new Pool<object>(
      { create: () => Promise.resolve({}), destroy: () => Promise.resolve() },
      { ...options, clock: vt.clock, random },
    );
    const start = learnMs;
    const stop = learnMs + measureMs;
    let active = 0;
    let completed = 0;
    let limitArea = 0;
    let lastLimitAt = start;
    let limit = pool.stats().effectiveMax;
    let minLimit = Number.POSITIVE_INFINITY;
    let maxLimit = 0;
    const noteLimit = (next: number) => {
      const now = Math.min(Math.max(vt.now, start), stop);
      limitArea += limit * (now - lastLimitAt);
      lastLimitAt = now;
      limit = next;
      if (vt.now >= start && vt.now < stop) {
        minLimit = Math.min(minLimit, next);
        maxLimit = Math.max(maxLimit, next);
      }
    };
    pool.on('resize', (e) => noteLimit(e.effectiveMax));
    const client = async () => {
      while (vt.now < stop) {
        await pool.use(async () => {
          const ms = serviceTime(s, ++active, random);
          await vt.sleep(ms);
          active--;
          if (vt.now >= start && vt.now < stop) completed++;
        });
      }
    };
    const clients = Promise.all(Array.from({ length: s.clients }, client));
    await vt.run(start);
    minLimit = maxLimit = limit;
    await vt.run(stop);
    noteLimit(limit);
    let finished = false;
    void clients.then(() => (finished = true));
    // Lets every client finish its last request (a thrashing backend's can take minutes).
    while (!finished) await vt.run(vt.now + 60_000);
    const closed = pool.close();
    await vt.run(vt.now + 60_000);
    await closed;
    return {
      throughput: completed / (measureMs / 1000),
      meanLimit: limitArea / measureMs,
      minLimit,
      maxLimit,
    };
  } finally {
    vt.uninstall();
  }
}

/** Fixed sizes worth trying around the knee, plus the extremes. */
function sweepSizes(s: Scenario): number[] {
  const k = s.knee;
  const sizes = new Set<number>([1, 100, s.clients]);
  for (const f of [0.5, 0.75, 0.85, 0.9, 1, 1.1, 1.15, 1.25, 1.5, 2, 3])
    sizes.add(Math.max(1, Math.round(k * f)));
  for (const d of [-1, 0, 1]) sizes.add(Math.max(1, k + d));
  return [...sizes].filter((n) => n <= 100).sort((a, b) => a - b);
}

/** The targets per backend. */
function target(s: Scenario): number {
  if (s.noise === 'none') return s.shape === 'knee' ? 0.95 : 0.9;
  if (s.noise === 'exp') return 0.85;
  return s.shape === 'thrash' ? 0.85 : 0.9;
}

export function scenarios(): Scenario[] {
  const out: Scenario[] = [];
  const only = process.env.BENCH_ADAPTIVE_ONLY; // e.g. "thrash" or "knee:exp"
  for (const shape of ['knee', 'thrash'] as Shape[]) {
    for (const noise of ['none', '±20%', '±50%', 'exp'] as Noise[]) {
      for (const [knee, clients] of [
        [4, 100],
        [10, 100],
        [16, 100],
        [32, 100],
        [64, 200],
        [10, 40],
        [16, 400],
      ]) {
        const s = { shape, noise, knee, clients };
        if (only && !`${shape}:${noise}:${knee}:${clients}`.startsWith(only)) continue;
        out.push(s);
      }
    }
  }
  return out;
}

export async function run(): Promise<void> {
  const rows: (string | number)[][] = [];
  let failures = 0;
  for (const s of scenarios()) {
    let best = { size: 0, throughput: 0 };
    for (const size of sweepSizes(s)) {
      const r = await simulate(s, { max: size }, 2_000, MEASURE_MS);
      if (r.throughput > best.throughput) best = { size, throughput: r.throughput };
    }
    const adaptive = await simulate(s, { max: 100, adaptive: true }, LEARN_MS, MEASURE_MS);
    const ratio = adaptive.throughput / best.throughput;
    const ok = ratio >= target(s);
    if (!ok) failures++;
    rows.push([
      s.shape,
      s.noise,
      s.knee,
      s.clients,
      best.size,
      Math.round(best.throughput),
      Math.round(adaptive.throughput),
      ratio.toFixed(3),
      `≥ ${target(s)}`,
      ok ? 'ok' : 'MISS',
      adaptive.meanLimit.toFixed(1),
      `${adaptive.minLimit}–${adaptive.maxLimit}`,
    ]);
    console.error(rows[rows.length - 1].join('  '));
  }
  printTable(
    `adaptive sizing, fake time (base ${BASE_MS} ms; learn ${LEARN_MS / 1000} s, measure ${MEASURE_MS / 1000} s; { max: 100, adaptive: true } vs the best fixed max)`,
    [
      'backend',
      'noise',
      'K',
      'clients',
      'best fixed',
      'fixed req/s',
      'adaptive req/s',
      'ratio',
      'target',
      '',
      'settled limit (mean)',
      'range',
    ],
    rows,
  );
  if (failures > 0) {
    console.log(`${failures} row(s) below target`);
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
