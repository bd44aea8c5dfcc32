import { jest } from '@jest/globals';
import { InvalidOptionsError } from '@steward/common';
import type { DestroyReason } from './interfaces/pool-events.interface.js';
import { PoolClosedError, PoolTimeoutError } from './pool.errors.js';
import type { FakeResourceFactory } from './testing/fake-resource.factory.js';
import { usePoolHarness } from './testing/pool-harness.js';

/** Creation policy, drain, reset and resize. */
describe('Pool control', () => {
  const harness = usePoolHarness({ max: 2 });
  const make = harness.make;
  let factory: FakeResourceFactory;
  let reasons: DestroyReason[];
  beforeEach(() => ({ factory, reasons } = harness));

  describe('callers wait only on the pool', () => {
    it('lets a late resource serve the next waiter after the first one timed out', async () => {
      factory.plan(500);
      const pool = make({ max: 1 });
      const first = pool.acquire({ timeoutMs: 100 }).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(200);
      expect(await first).toBeInstanceOf(PoolTimeoutError);
      expect(factory.signals[0].aborted).toBe(false);
      const second = pool.acquire();
      await jest.advanceTimersByTimeAsync(300);
      const lease = await second;
      expect(lease.resource.id).toBe(1);
      expect(factory.signals).toHaveLength(1);
      lease.release();
    });

    it('puts a resource nobody waits for any more into idle', async () => {
      factory.plan(500);
      const pool = make({ max: 1 });
      const controller = new AbortController();
      const attempt = pool.acquire({ signal: controller.signal }).catch(() => undefined);
      controller.abort();
      await attempt;
      await jest.advanceTimersByTimeAsync(500);
      expect(pool.stats()).toMatchObject({ idle: 1, creating: 0, waiting: 0 });
    });

    it('creates one resource per waiter, not more, within max', async () => {
      factory.createDelayMs = 100;
      const pool = make({ max: 3 });
      const waits = [pool.acquire(), pool.acquire()];
      expect(pool.stats()).toMatchObject({ creating: 2, waiting: 2 });
      waits.push(pool.acquire(), pool.acquire());
      expect(pool.stats()).toMatchObject({ creating: 3, waiting: 4 });
      await jest.advanceTimersByTimeAsync(100);
      const leases = await Promise.all(waits.slice(0, 3));
      for (const lease of leases) lease.release();
      (await waits[3]).release();
      expect(factory.created).toHaveLength(3);
    });

    it('backs off between failed creates with full jitter and skips a retry nobody needs', async () => {
      factory.plan('fail', 'fail', 'fail');
      const pool = make({ max: 1, random: () => 0.999, createRetry: { baseMs: 100, maxMs: 1_000 } });
      const controller = new AbortController();
      const attempt = pool.acquire({ signal: controller.signal }).catch(() => undefined);
      await jest.advanceTimersByTimeAsync(0);
      expect(factory.signals).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(99); // first retry after floor(0.999 * 100) ms
      expect(factory.signals).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(199); // then floor(0.999 * 200)
      expect(factory.signals).toHaveLength(3);
      controller.abort();
      await attempt;
      await jest.advanceTimersByTimeAsync(1_000);
      expect(factory.signals).toHaveLength(3);
      expect(pool.stats()).toMatchObject({ createErrorsTotal: 3, lastCreateError: 'connection refused' });
    });
  });

  describe('drain', () => {
    it('refuses new acquires, serves the queued ones, then closes once every lease is back', async () => {
      const pool = make({ max: 1 });
      const held = await pool.acquire();
      const queued = pool.acquire();
      let drained = false;
      const draining = pool.drain().then(() => (drained = true));
      await expect(pool.acquire()).rejects.toThrow(PoolClosedError);
      await expect(pool.acquire()).rejects.toMatchObject({ draining: true });
      held.release();
      const lease = await queued;
      await jest.advanceTimersByTimeAsync(0);
      expect(drained).toBe(false);
      lease.release();
      await draining;
      expect(pool.closed).toBe(true);
      expect(factory.destroyed).toHaveLength(1);
    });

    it('closes at the deadline, destroying what is still borrowed', async () => {
      const pool = make({ max: 1 });
      const held = await pool.acquire();
      const draining = pool.drain({ deadline: 5_000 });
      await jest.advanceTimersByTimeAsync(5_000);
      await draining;
      expect(pool.closed).toBe(true);
      expect(reasons).toEqual(['closed']);
      held.release();
      expect(pool.stats().borrowed).toBe(0);
    });
  });

  describe('reset', () => {
    it('destroys idle resources now, borrowed ones on return, and creates in flight on arrival', async () => {
      const pool = make({ min: 3, max: 4 });
      await pool.ready();
      const a = await pool.acquire();
      factory.createDelayMs = 100;
      pool.resize(4, 4); // one create in flight to reach the new min
      expect(pool.stats()).toMatchObject({ idle: 2, creating: 1 });
      pool.reset();
      expect(reasons).toEqual(['reset', 'reset']);
      a.release();
      expect(reasons).toEqual(['reset', 'reset', 'reset']);
      await jest.advanceTimersByTimeAsync(100);
      // The create started before the reset came back with an old-generation resource: destroyed.
      expect(reasons).toEqual(['reset', 'reset', 'reset', 'reset']);
      await jest.advanceTimersByTimeAsync(100);
      expect(pool.stats()).toMatchObject({ size: 4, idle: 4, destroyedTotal: 4 });
    });
  });

  describe('resize', () => {
    it('shrinks idle at once and borrowed on return, grows to serve waiters, and reports it', async () => {
      const pool = make({ max: 3 });
      const resizes: unknown[] = [];
      pool.on('resize', (e) => resizes.push(e));
      const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
      leases[0].release();
      pool.resize(0, 1);
      expect(reasons).toEqual(['resize']);
      leases[1].release();
      expect(reasons).toEqual(['resize', 'resize']);
      const waiting = pool.acquire();
      pool.resize(0, 2);
      await jest.advanceTimersByTimeAsync(0);
      const extra = await waiting;
      expect(pool.stats()).toMatchObject({ size: 2, borrowed: 2, max: 2 });
      expect(resizes).toEqual([
        { min: 0, max: 1, effectiveMax: 1 },
        { min: 0, max: 2, effectiveMax: 2 },
      ]);
      extra.release();
      leases[2].release();
    });

    it('refills to a raised min and rejects bad bounds', async () => {
      const pool = make({ max: 2 });
      pool.resize(2, 4);
      await jest.advanceTimersByTimeAsync(0);
      expect(pool.stats()).toMatchObject({ size: 2, idle: 2 });
      expect(() => pool.resize(3, 2)).toThrow(InvalidOptionsError);
      expect(() => pool.resize(-1, 0)).toThrow(InvalidOptionsError);
    });
  });
});
