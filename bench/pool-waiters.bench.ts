import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
 * Heap cost of a queued waiter: every resource is held, then 20,000 acquires queue up (acquire
 * timeout on). Measured after a forced GC, per peer, in one process; the median of 3 rounds counts.
 */
const WAITERS = 20_000;
const ROUNDS = 3;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function bytesPerWaiter(peer: BenchPool): Promise<number> {
  const held = await Promise.all(Array.from({ length: BENCH_MAX }, () => peer.acquire()));
  const pending = new Array<Promise<unknown>>(WAITERS);
  const before = heapUsed();
  for (let i = 0; i < WAITERS; i++) pending[i] = peer.acquire();
  const after = heapUsed();
  // Serve every waiter so the round ends with an empty queue and no timer.
  let served = 0;
  const drainAll = pending.map((p) =>
    p.then((handle) => {
      served++;
      peer.release(handle);
    }),
  );
  for (const handle of held) peer.release(handle);
  await Promise.all(drainAll);
  if (served !== WAITERS) throw new Error(`${peer.name}: served ${served} of ${WAITERS}`);
  return (after - before) / WAITERS;
}

/** Runs the benchmark and prints its table. */
export async function run(): Promise<void> {
  const makers = [stewardPool, genericPoolPeer, tarnPeer, async () => minimalPeer()];
  const results = new Map<string, number[]>();
  const peers: BenchPool[] = [];
  for (const make of makers) peers.push(await make());
  for (let round = 0; round < ROUNDS; round++) {
    for (const peer of peers) {
      const list = results.get(peer.name) ?? [];
      list.push(await bytesPerWaiter(peer));
      results.set(peer.name, list);
    }
  }
  const steward = median(results.get('steward')!);
  printTable(
    `heap per queued waiter (${formatRate(WAITERS)} waiters, max ${BENCH_MAX}, acquire timeout on, median of ${ROUNDS})`,
    ['pool', 'bytes/waiter', 'steward / peer'],
    peers.map((p) => {
      const bytes = median(results.get(p.name)!);
      return [p.name, Math.round(bytes), `${Math.round((100 * steward) / bytes)}%`];
    }),
  );
  for (const peer of peers) await peer.close();
}
