import genericPool from 'generic-pool';
import tarn from 'tarn';
import { Pool } from '@steward/pool';
import { MinimalPool } from './minimal-pool.js';

/** The same surface over every pool under test, so each pays the same adapter cost. */
export interface BenchPool {
  readonly name: string;
  acquire(): Promise<unknown>;
  release(handle: unknown): void;
  close(): Promise<void>;
}

/** A trivial resource: creating and destroying it costs nothing, so the pool's own overhead is measured. */
export interface TrivialResource {
  id: number;
}

let nextId = 0;
const create = (): Promise<TrivialResource> => Promise.resolve({ id: nextId++ });
const destroy = (): Promise<void> => Promise.resolve();

export const BENCH_MAX = 8;
export const BENCH_ACQUIRE_TIMEOUT_MS = 30_000;

/** Steward's pool, warmed to `max`. */
export async function stewardPool(): Promise<BenchPool & { pool: Pool<TrivialResource> }> {
  const pool = new Pool<TrivialResource>(
    { create, destroy },
    { name: 'bench', min: BENCH_MAX, max: BENCH_MAX, acquireTimeoutMs: BENCH_ACQUIRE_TIMEOUT_MS },
  );
  await pool.ready();
  return {
    name: 'steward',
    pool,
    acquire: () => pool.acquire(),
    release: (lease) => (lease as { release(): void }).release(),
    close: () => pool.close(),
  };
}

/** generic-pool 3, warmed to `max`. */
export async function genericPoolPeer(): Promise<BenchPool> {
  const pool = genericPool.createPool<TrivialResource>(
    { create, destroy },
    { min: BENCH_MAX, max: BENCH_MAX, acquireTimeoutMillis: BENCH_ACQUIRE_TIMEOUT_MS },
  );
  await pool.ready();
  return {
    name: 'generic-pool',
    acquire: () => pool.acquire(),
    release: (resource) => void pool.release(resource as TrivialResource),
    close: async () => {
      await pool.drain();
      await pool.clear();
    },
  };
}

/** tarn 3, warmed to `max`. */
export async function tarnPeer(): Promise<BenchPool> {
  const pool = new tarn.Pool<TrivialResource>({
    create,
    destroy,
    min: BENCH_MAX,
    max: BENCH_MAX,
    acquireTimeoutMillis: BENCH_ACQUIRE_TIMEOUT_MS,
  });
  const warm = await Promise.all(Array.from({ length: BENCH_MAX }, () => pool.acquire().promise));
  for (const resource of warm) pool.release(resource);
  return {
    name: 'tarn',
    acquire: () => pool.acquire().promise,
    release: (resource) => void pool.release(resource as TrivialResource),
    close: async () => {
      await pool.destroy();
    },
  };
}

/** The minimal reference pool. */
export function minimalPeer(): BenchPool & { pool: MinimalPool<TrivialResource> } {
  const pool = new MinimalPool(Array.from({ length: BENCH_MAX }, () => ({ id: nextId++ })));
  return {
    name: 'minimal',
    pool,
    acquire: () => pool.acquire(),
    release: (resource) => pool.release(resource as TrivialResource),
    close: () => Promise.resolve(),
  };
}
