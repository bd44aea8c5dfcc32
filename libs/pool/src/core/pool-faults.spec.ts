import { jest } from '@jest/globals';
import { getEventListeners } from 'node:events';
import { InvalidOptionsError } from '@steward/common';
import type { Lease } from './interfaces/lease.interface.js';
import type { DestroyReason } from './interfaces/pool-events.interface.js';
import type { DrainOptions } from './interfaces/pool-options.interface.js';
import { Pool } from './pool.js';
import { PoolClosedError, PoolTimeoutError } from './pool.errors.js';
import type { FakeResource, FakeResourceFactory } from './testing/fake-resource.factory.js';
import { usePoolHarness } from './testing/pool-harness.js';

/** Lets promise callbacks run without moving fake time. */
const flush = () => jest.advanceTimersByTimeAsync(0);

/** Races and faults: every waiter settles, nothing is left behind, nothing is lent twice. */
describe('Pool under faults', () => {
  const harness = usePoolHarness({ max: 1 });
  const make = harness.make;
  let factory: FakeResourceFactory;
  let reasons: DestroyReason[];
  beforeEach(() => ({ factory, reasons } = harness));

  describe("the caller's signal", () => {
    it('keeps its listener count at baseline over 100,000 acquires, served, timed out and closed', async () => {
      const pool = make({ acquireTimeoutMs: 1_000 });
      const signal = new AbortController().signal;
      // Someone else's listener: the baseline, which the pool must neither grow nor remove.
      signal.addEventListener('abort', () => {});
      const baseline = getEventListeners(signal, 'abort').length;
      let held = await pool.acquire({ signal });
      for (let i = 0; i < 100_000; i++) {
        // The resource is out, so every acquire queues and registers on the signal.
        const next = pool.acquire({ signal });
        held.release();
        held = await next;
      }
      expect(getEventListeners(signal, 'abort').length).toBe(baseline);

      const late = pool.acquire({ signal }).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(1_100);
      expect(await late).toBeInstanceOf(PoolTimeoutError);
      const closing = pool.acquire({ signal }).catch((e: unknown) => e);
      await pool.close();
      expect(await closing).toBeInstanceOf(PoolClosedError);
      expect(getEventListeners(signal, 'abort').length).toBe(baseline);
      expect(pool.stats().acquiredTotal).toBe(100_001);
    });
  });

  describe('acquire options', () => {
    it('refuses a priority that is not a number instead of corrupting the line', async () => {
      const pool = make();
      const held = await pool.acquire();
      const controller = new AbortController();
      const odd = pool.acquire({ priority: NaN, signal: controller.signal }).catch((e: unknown) => e);
      const text = pool.acquire({ priority: '1' as unknown as number }).catch((e: unknown) => e);
      controller.abort();
      expect(await odd).toBeInstanceOf(InvalidOptionsError);
      expect(await text).toMatchObject({ issues: [{ path: 'priority', message: 'must be a number' }] });
      held.release();
      // The line must still serve the next waiter with the resource that comes back.
      const next = await pool.acquire();
      const queued = pool.acquire({ timeoutMs: 100 });
      next.release();
      const caught = queued.catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(200);
      const lease = await caught;
      expect(lease).toMatchObject({ resource: next.resource });
      (lease as Lease<FakeResource>).release();
    });
  });

  describe('create failures', () => {
    it('names the last create error in a timeout only while creates keep failing', async () => {
      factory.plan('fail');
      const pool = make({ createRetry: { baseMs: 10, maxMs: 10 } });
      const first = pool.acquire();
      await jest.advanceTimersByTimeAsync(20);
      const lease = await first; // the retry succeeded: the failure is history
      const late = pool.acquire({ timeoutMs: 100 }).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(200);
      const error = (await late) as PoolTimeoutError;
      expect(error).toBeInstanceOf(PoolTimeoutError);
      expect(error.lastCreateError).toBeUndefined();
      expect(error.message).not.toContain('connection refused');
      expect(pool.stats()).toMatchObject({ createErrorsTotal: 1, lastCreateError: 'connection refused' });
      lease.release();
    });

    it('does not count the creates that close() aborts as create errors', async () => {
      factory.create = (signal: AbortSignal) =>
        new Promise<FakeResource>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
        );
      const pool = make({ min: 1 });
      const errors: unknown[] = [];
      pool.on('createError', (e) => errors.push(e.error));
      const warming = pool.ready().catch((e: unknown) => e);
      await flush();
      expect(pool.stats().creating).toBe(1);
      await pool.close();
      expect(await warming).toBeInstanceOf(PoolClosedError);
      expect(errors).toEqual([]);
      expect(pool.stats()).toMatchObject({ createErrorsTotal: 0, creating: 0 });
      expect(pool.stats().lastCreateError).toBeUndefined();
    });
  });

  describe('validate and reset', () => {
    it('close() cuts a hanging validation short and leaves no timer', async () => {
      factory.valid = 'hang';
      const signals = factory.validateSignals;
      const pool = make({ validateOnBorrow: true, validateSkipWindowMs: 0, validateTimeoutMs: 60_000 });
      (await pool.acquire()).release();
      await jest.advanceTimersByTimeAsync(1);
      const waiting = pool.acquire({ timeoutMs: Infinity }).catch((e: unknown) => e);
      await flush();
      expect(signals).toHaveLength(1);
      await pool.close();
      expect(await waiting).toBeInstanceOf(PoolClosedError);
      expect(signals[0].aborted).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
      expect(factory.destroyed).toHaveLength(1);
    });

    it('bounds a reset by validateTimeoutMs: a hanging reset gives its slot back', async () => {
      factory.reset = () => new Promise<void>(() => {});
      const pool = make({ validateTimeoutMs: 1_000, acquireTimeoutMs: 10_000 });
      const first = await pool.acquire();
      first.release();
      let lease: Lease<FakeResource> | undefined;
      void pool.acquire().then((l) => (lease = l));
      await jest.advanceTimersByTimeAsync(1_000);
      expect(reasons).toEqual(['broken']);
      if (lease === undefined) throw new Error('the waiter was not served after the reset timeout');
      expect(lease.resource).not.toBe(first.resource);
      lease.release();
    });

    it('close() cuts a hanging reset short and leaves no timer', async () => {
      factory.reset = () => new Promise<void>(() => {});
      const pool = make({ validateTimeoutMs: 60_000 });
      (await pool.acquire()).release();
      await flush();
      await pool.close();
      expect(jest.getTimerCount()).toBe(0);
      expect(factory.destroyed).toHaveLength(1);
    });
  });

  describe('adaptive limit', () => {
    it('serves a waiter from idle when a destroyed lease frees room under the limit', async () => {
      let pressure = 0;
      const pool = make({
        max: 2,
        adaptive: { initialLimit: 2, memoryProbe: () => pressure, memoryHighWatermark: 0.9 },
      });
      const [kept, spare] = await Promise.all([pool.acquire(), pool.acquire()]);
      spare.release();
      pressure = 1;
      await pool.maintain(); // heap pressure cuts the limit to 1: the idle one may not be lent now
      pressure = 0;
      expect(pool.stats()).toMatchObject({ effectiveMax: 1, borrowed: 1, idle: 1 });
      let served: Lease<FakeResource> | undefined;
      void pool.acquire().then((l) => (served = l));
      await flush();
      factory.plan(...Array<'fail'>(20).fill('fail')); // no replacement can be made
      await kept.destroy();
      await flush();
      expect(served?.resource).toBe(spare.resource);
      served?.release();
    });
  });

  describe('drain', () => {
    const drainOf = (pool: Pool<FakeResource>, options?: DrainOptions) => {
      const state = { done: false };
      void pool.drain(options).then(() => (state.done = true));
      return state;
    };

    it('takes an infinite deadline as none and refuses a bad one without starting to drain', async () => {
      const pool = make();
      const lease = await pool.acquire();
      await expect(pool.drain({ deadline: NaN })).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(pool.drain({ deadline: -1 })).rejects.toBeInstanceOf(InvalidOptionsError);
      expect(pool.tryAcquire()).toBeUndefined(); // still open
      const drain = drainOf(pool, { deadline: Infinity });
      await jest.advanceTimersByTimeAsync(60_000);
      expect(drain.done).toBe(false);
      expect(pool.closed).toBe(false);
      lease.release();
      await flush();
      expect(drain.done).toBe(true);
      expect(reasons).toEqual(['closed']);
    });

    it('settles when the last lease comes back to be retired (maxUses)', async () => {
      const pool = make({ maxUses: 1 });
      const lease = await pool.acquire();
      const drain = drainOf(pool);
      lease.release();
      await flush();
      expect(reasons).toEqual(['max-uses']);
      expect(drain.done).toBe(true);
    });

    it('settles when the last lease comes back and its reset fails', async () => {
      factory.reset = () => Promise.reject(new Error('dirty'));
      const pool = make();
      const lease = await pool.acquire();
      const drain = drainOf(pool);
      lease.release();
      await flush();
      expect(reasons).toEqual(['broken']);
      expect(drain.done).toBe(true);
    });

    it('settles when the last lease is reclaimed as a leak', async () => {
      const pool = make({ leakDetectionMs: 1_000, reclaimLeaks: true });
      await pool.acquire();
      const drain = drainOf(pool);
      await jest.advanceTimersByTimeAsync(1_000);
      await pool.maintain();
      await flush();
      expect(reasons).toEqual(['leak-reclaimed']);
      expect(drain.done).toBe(true);
    });
  });
});
