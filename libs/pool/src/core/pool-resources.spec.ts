import { jest } from '@jest/globals';
import type { DestroyReason } from './interfaces/pool-events.interface.js';
import { ResourceCreateTimeoutError, ResourceDestroyTimeoutError } from './pool.errors.js';
import type { FakeResourceFactory } from './testing/fake-resource.factory.js';
import { usePoolHarness } from './testing/pool-harness.js';

/** Resource age, idle time, uses, validation and leaks: every option driven by fake timers. */
describe('Pool resource life', () => {
  const harness = usePoolHarness({ max: 3 });
  const make = harness.make;
  let factory: FakeResourceFactory;
  let reasons: DestroyReason[];
  beforeEach(() => ({ factory, reasons } = harness));

  describe('createTimeoutMs', () => {
    it('aborts a slow create, reports it, and destroys the resource that arrives late', async () => {
      factory.plan(20_000);
      const errors: unknown[] = [];
      const pool = make({ max: 1, createTimeoutMs: 1_000, random: () => 0.5 });
      pool.on('createError', (e) => errors.push(e.error));
      const waiting = pool.acquire({ timeoutMs: 30_000 });
      await jest.advanceTimersByTimeAsync(1_000);
      expect(errors[0]).toBeInstanceOf(ResourceCreateTimeoutError);
      expect(factory.signals[0].aborted).toBe(true);
      // The late create still holds its slot (never more than max alive or creating), retries wait for it.
      await jest.advanceTimersByTimeAsync(10_000);
      expect(pool.stats()).toMatchObject({ creating: 1, size: 0 });
      expect(factory.signals).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(9_000);
      expect(reasons).toEqual(['create-timeout']);
      expect(factory.destroyed).toEqual([factory.created[0]]);
      const lease = await waiting;
      expect(lease.resource.id).toBe(2);
      lease.release();
    });
  });

  describe('destroyTimeoutMs', () => {
    it('gives up on a destroy that hangs and reports it', async () => {
      factory.destroyMode = 'hang';
      const pool = make({ destroyTimeoutMs: 2_000 });
      const errors: unknown[] = [];
      pool.on('destroyError', (e) => errors.push(e.error));
      const lease = await pool.acquire();
      const destroyed = lease.destroy();
      await jest.advanceTimersByTimeAsync(1_999);
      expect(errors).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      await destroyed;
      expect(errors.some((e) => e instanceof ResourceDestroyTimeoutError)).toBe(true);
      expect(pool.stats().size).toBe(0);
    });

    it('counts a resource against max until its destroy settles, bounded by destroyTimeoutMs', async () => {
      factory.destroyMode = 'hang';
      const pool = make({ max: 2, destroyTimeoutMs: 2_000, maxUses: 1 });
      const leases = await Promise.all([pool.acquire(), pool.acquire()]);
      for (const lease of leases) lease.release(); // retired (maxUses 1): destroys start and hang
      const next = pool.acquire();
      expect(pool.stats()).toMatchObject({ size: 0, destroying: 2, creating: 0, waiting: 1 });
      await jest.advanceTimersByTimeAsync(1_999);
      expect(factory.created).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(1);
      const lease = await next;
      expect(factory.created).toHaveLength(3);
      expect(pool.stats()).toMatchObject({ size: 1, destroying: 0, borrowed: 1 });
      lease.release();
    });

    it('never has more than max resources alive or being destroyed while destroys are slow', async () => {
      let alive = 0;
      let peak = 0;
      const create = factory.create.bind(factory);
      factory.create = async (signal) => {
        const resource = await create(signal);
        peak = Math.max(peak, ++alive);
        return resource;
      };
      factory.destroy = (resource) => {
        resource.destroyed++;
        return new Promise<void>((resolve) => setTimeout(resolve, 300)).then(() => void alive--);
      };
      const pool = make({ max: 2, maxUses: 1 });
      const work = Array.from({ length: 20 }, () => pool.use(() => undefined));
      await jest.advanceTimersByTimeAsync(10_000);
      await Promise.all(work);
      expect(pool.stats().acquiredTotal).toBe(20);
      expect(peak).toBe(2);
    });

    it('survives a destroy that throws', async () => {
      factory.destroyMode = 'throw';
      const pool = make();
      const errors: unknown[] = [];
      pool.on('destroyError', (e) => errors.push(e.error));
      await (await pool.acquire()).destroy();
      expect((errors[0] as Error).message).toBe('socket already closed');
      expect(pool.stats()).toMatchObject({ size: 0, destroyedTotal: 1 });
    });
  });

  describe('idleTimeoutMs', () => {
    it('evicts idle resources above min, oldest first, and keeps min', async () => {
      const pool = make({ min: 1, max: 3, idleTimeoutMs: 10_000 });
      const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
      for (const lease of leases) lease.release();
      await pool.maintain(); // first sight of the idle period
      await jest.advanceTimersByTimeAsync(9_999);
      await pool.maintain();
      expect(pool.stats().size).toBe(3);
      await jest.advanceTimersByTimeAsync(1);
      await pool.maintain();
      expect(pool.stats()).toMatchObject({ size: 1, idle: 1 });
      expect(reasons).toEqual(['idle', 'idle']);
    });

    it('runs on the pool timer with maintenanceIntervalMs', async () => {
      const pool = make({ min: 0, idleTimeoutMs: 5_000, maintenanceIntervalMs: 1_000 });
      (await pool.acquire()).release();
      await jest.advanceTimersByTimeAsync(7_000);
      expect(pool.stats().size).toBe(0);
      expect(reasons).toEqual(['idle']);
    });
  });

  describe('maxLifetimeMs', () => {
    it('samples the jitter once per resource and retires idle and borrowed resources', async () => {
      // lifetime = 100 s * (1 - 0.2 * 0.5) = 90 s
      const pool = make({ max: 2, maxLifetimeMs: 100_000, lifetimeJitter: 0.2, random: () => 0.5 });
      const a = await pool.acquire();
      const b = await pool.acquire();
      b.release();
      await jest.advanceTimersByTimeAsync(89_999);
      await pool.maintain();
      expect(reasons).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      await pool.maintain();
      expect(reasons).toEqual(['lifetime']); // the idle one
      a.release();
      expect(reasons).toEqual(['lifetime', 'lifetime']); // the borrowed one, on return
      expect(pool.stats().size).toBe(0);
    });

    it('spreads lifetimes inside [(1 - jitter) * max, max]', async () => {
      let r = 0;
      const draws = [0, 0.999, 0.5];
      const pool = make({ max: 3, maxLifetimeMs: 1_000, lifetimeJitter: 0.25, random: () => draws[r++] });
      const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
      for (const lease of leases) lease.release();
      // Lifetimes: 1000 ms, 750.25 ms, 875 ms.
      const aliveAt = async (ms: number) => {
        await jest.advanceTimersByTimeAsync(ms);
        await pool.maintain();
        return pool.stats().size;
      };
      expect(await aliveAt(750)).toBe(3);
      expect(await aliveAt(1)).toBe(2);
      expect(await aliveAt(874 - 751)).toBe(2);
      expect(await aliveAt(2)).toBe(1);
      expect(await aliveAt(999 - 876)).toBe(1);
      expect(await aliveAt(1)).toBe(0);
    });
  });

  describe('maxUses', () => {
    it('destroys a resource after its last allowed loan', async () => {
      const pool = make({ max: 1, maxUses: 2 });
      const first = await pool.acquire();
      first.release();
      const second = await pool.acquire();
      expect(second.resource).toBe(first.resource);
      second.release();
      expect(reasons).toEqual(['max-uses']);
      const third = await pool.acquire();
      expect(third.resource).not.toBe(first.resource);
      third.release();
    });
  });

  describe('validation', () => {
    it('validates on borrow outside the skip window and replaces a dead resource', async () => {
      const pool = make({ max: 1, validateOnBorrow: true, validateSkipWindowMs: 500 });
      (await pool.acquire()).release();
      (await pool.acquire()).release(); // inside the window: no validation
      expect(factory.validations).toBe(0);
      await jest.advanceTimersByTimeAsync(501);
      factory.valid = false;
      const lease = await pool.acquire();
      expect(factory.validations).toBe(1);
      expect(reasons).toEqual(['validation-failed']);
      expect(lease.resource.id).toBe(2);
      lease.release();
    });

    it('bounds a validation by validateTimeoutMs', async () => {
      const pool = make({
        max: 1,
        validateOnBorrow: true,
        validateSkipWindowMs: 0,
        validateTimeoutMs: 1_000,
      });
      (await pool.acquire()).release();
      await jest.advanceTimersByTimeAsync(1);
      factory.valid = 'hang';
      const next = pool.acquire();
      await jest.advanceTimersByTimeAsync(1_000);
      factory.valid = true;
      const lease = await next;
      expect(reasons).toEqual(['validation-failed']);
      expect(lease.resource.id).toBe(2);
      lease.release();
    });

    it('keepalive validates idle resources; a dead idle resource is evicted and replaced up to min', async () => {
      const pool = make({ min: 2, max: 2, keepaliveIntervalMs: 60_000 });
      await pool.ready();
      await jest.advanceTimersByTimeAsync(30_000);
      await pool.maintain();
      expect(factory.validations).toBe(0);
      await jest.advanceTimersByTimeAsync(30_000);
      factory.valid = false;
      await pool.maintain();
      expect(factory.validations).toBe(2);
      expect(reasons).toEqual(['validation-failed', 'validation-failed']);
      factory.valid = true;
      await jest.advanceTimersByTimeAsync(0);
      expect(pool.stats()).toMatchObject({ size: 2, idle: 2, createdTotal: 4 });
    });

    it('tryAcquire skips a resource due for validation and sends it to validation', async () => {
      const pool = make({ max: 1, validateOnBorrow: true, validateSkipWindowMs: 100 });
      (await pool.acquire()).release();
      await jest.advanceTimersByTimeAsync(200);
      expect(pool.tryAcquire()).toBeUndefined();
      await jest.advanceTimersByTimeAsync(0);
      expect(factory.validations).toBe(1);
      const lease = pool.tryAcquire();
      expect(lease).toBeDefined();
      lease!.release();
    });
  });

  describe('reset hook', () => {
    it('resets a resource before it goes idle and destroys it when reset fails', async () => {
      const seen: number[] = [];
      factory.reset = (resource) => {
        seen.push(resource.id);
        return resource.id === 1 && seen.length > 1 ? Promise.reject(new Error('dirty')) : Promise.resolve();
      };
      const pool = make({ max: 1 });
      (await pool.acquire()).release();
      await jest.advanceTimersByTimeAsync(0);
      expect(pool.stats().idle).toBe(1);
      (await pool.acquire()).release();
      await jest.advanceTimersByTimeAsync(0);
      expect(seen).toEqual([1, 1]);
      expect(reasons).toEqual(['broken']);
    });
  });

  describe('leak detection', () => {
    it("raises 'leak' once with the borrower's stack and leaves the lease alone by default", async () => {
      const pool = make({ leakDetectionMs: 5_000 });
      const leaks: { heldMs: number; stack: string }[] = [];
      pool.on('leak', (e) => leaks.push(e));
      const lease = await pool.acquire();
      await jest.advanceTimersByTimeAsync(4_999);
      await pool.maintain();
      expect(leaks).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      await pool.maintain();
      await pool.maintain();
      expect(leaks).toHaveLength(1);
      expect(leaks[0].heldMs).toBeGreaterThanOrEqual(5_000);
      expect(leaks[0].stack).toContain('pool-resources.spec');
      expect(pool.stats().leaksTotal).toBe(1);
      lease.release();
      expect(pool.stats()).toMatchObject({ borrowed: 0, idle: 1 });
    });

    it('reclaims a leaked resource when asked; the late release is a no-op', async () => {
      const pool = make({ max: 1, leakDetectionMs: 1_000, reclaimLeaks: true });
      const lease = await pool.acquire();
      const next = pool.acquire();
      await jest.advanceTimersByTimeAsync(1_000);
      await pool.maintain();
      expect(reasons).toEqual(['leak-reclaimed']);
      const replacement = await next;
      lease.release();
      expect(pool.stats()).toMatchObject({ borrowed: 1, size: 1 });
      replacement.release();
    });
  });

  describe('idleOrder', () => {
    it.each([
      ['lifo', 2],
      ['fifo', 1],
    ] as const)('%s lends resource %i first', async (idleOrder, expected) => {
      const pool = make({ max: 2, idleOrder });
      const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
      a.release();
      b.release();
      const lease = await pool.acquire();
      expect(lease.resource.id).toBe(expected);
      lease.release();
    });
  });
});
