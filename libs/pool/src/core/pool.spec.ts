import { jest } from '@jest/globals';
import { getEventListeners } from 'node:events';
import { InvalidOptionsError } from '@steward/common';
import { Pool } from './pool.js';
import {
  PoolAbortedError,
  PoolClosedError,
  PoolExhaustedError,
  PoolTimeoutError,
  ResourceCreateError,
} from './pool.errors.js';
import type { FakeResourceFactory } from './testing/fake-resource.factory.js';
import { usePoolHarness } from './testing/pool-harness.js';

/** Lets promise callbacks run without moving fake time. */
const flush = () => jest.advanceTimersByTimeAsync(0);

describe('Pool', () => {
  const harness = usePoolHarness({ max: 2 });
  const make = harness.make;
  let factory: FakeResourceFactory;
  beforeEach(() => ({ factory } = harness));

  describe('acquire and release', () => {
    it('creates on demand, reuses a released resource and counts the loans', async () => {
      const pool = make();
      const first = await pool.acquire();
      first.release();
      const second = await pool.acquire();
      expect(second.resource).toBe(first.resource);
      expect(factory.created).toHaveLength(1);
      second.release();
      expect(pool.stats()).toMatchObject({
        size: 1,
        idle: 1,
        borrowed: 0,
        acquiredTotal: 2,
        createdTotal: 1,
      });
    });

    it('treats a second release as a no-op and never lends one resource twice', async () => {
      const pool = make({ max: 1 });
      const a = await pool.acquire();
      a.release();
      const b = await pool.acquire();
      a.release(); // stale lease: must not return b's loan
      expect(pool.stats().borrowed).toBe(1);
      expect(pool.tryAcquire()).toBeUndefined();
      b.release();
    });

    it('serves waiters first-come first-served within a priority, higher priority first', async () => {
      const pool = make({ max: 1 });
      const held = await pool.acquire();
      const order: string[] = [];
      const track = (label: string, priority?: number) =>
        pool.acquire({ priority }).then((lease) => {
          order.push(label);
          lease.release();
        });
      const all = [track('a'), track('b'), track('urgent', 5), track('c'), track('later', -1)];
      held.release();
      await Promise.all(all);
      expect(order).toEqual(['urgent', 'a', 'b', 'c', 'later']);
    });

    it('releases with await using', async () => {
      const pool = make({ max: 1 });
      {
        await using lease = await pool.acquire();
        expect(pool.stats().borrowed).toBe(1);
        expect(lease.resource.id).toBe(1);
      }
      expect(pool.stats().borrowed).toBe(0);
    });

    it('lends from tryAcquire synchronously and returns undefined when nothing is idle', async () => {
      const pool = make({ max: 1 });
      expect(pool.tryAcquire()).toBeUndefined();
      (await pool.acquire()).release();
      const lease = pool.tryAcquire();
      expect(lease?.resource.id).toBe(1);
      expect(pool.tryAcquire()).toBeUndefined();
      lease!.release();
    });

    it('tryAcquire with min warms the pool in the background', async () => {
      const pool = make({ min: 1, max: 1 });
      expect(pool.tryAcquire()).toBeUndefined();
      await flush();
      expect(pool.tryAcquire()).toBeDefined();
    });
  });

  describe('use', () => {
    it('releases after success and after an ordinary error', async () => {
      const pool = make({ max: 1 });
      await expect(pool.use((r) => r.id * 10)).resolves.toBe(10);
      await expect(
        pool.use(() => {
          throw new Error('query failed');
        }),
      ).rejects.toThrow('query failed');
      expect(pool.stats()).toMatchObject({ idle: 1, destroyedTotal: 0 });
    });

    it('destroys the resource when isBroken calls the error fatal', async () => {
      const pool = make({ max: 1 });
      const reasons: string[] = [];
      pool.on('destroy', (e) => reasons.push(e.reason));
      await expect(
        pool.use(async () => {
          throw new Error('fatal');
        }),
      ).rejects.toThrow('fatal');
      expect(reasons).toEqual(['broken']);
      expect(factory.destroyed).toHaveLength(1);
      expect(pool.stats().size).toBe(0);
    });
  });

  describe('timeouts and errors', () => {
    it('times out a waiter with the stats and the last create error', async () => {
      factory.plan(...Array<'fail'>(100).fill('fail'));
      const pool = make({ max: 1, acquireTimeoutMs: 1_000, createRetry: { baseMs: 100, maxMs: 100 } });
      const timeouts: number[] = [];
      pool.on('timeout', (e) => timeouts.push(e.waitMs));
      const attempt = pool.acquire();
      const caught = attempt.catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(1_050);
      const error = (await caught) as PoolTimeoutError;
      expect(error).toBeInstanceOf(PoolTimeoutError);
      expect(error.code).toBe('POOL_TIMEOUT');
      expect(error.lastCreateError).toBe('connection refused');
      expect(error.message).toContain('connection refused');
      expect(error.stats).toMatchObject({ name: 'default', waiting: 1, size: 0 });
      expect(pool.stats().timeoutsTotal).toBe(1);
      expect(timeouts).toHaveLength(1);
      expect(timeouts[0]).toBeGreaterThanOrEqual(1_000);
      expect(pool.stats().createErrorsTotal).toBeGreaterThan(1);
    });

    it('does not time out before the deadline and honours a per-call timeout', async () => {
      const pool = make({ max: 1, acquireTimeoutMs: 1_000 });
      const held = await pool.acquire();
      const short = pool.acquire({ timeoutMs: 100 }).catch((e: unknown) => e);
      const long = pool.acquire().catch((e: unknown) => e);
      let shortDone = false;
      void short.then(() => (shortDone = true));
      await jest.advanceTimersByTimeAsync(99);
      expect(shortDone).toBe(false);
      // Deadlines run on a tick of timeout/64: never early, at most two ticks late.
      await jest.advanceTimersByTimeAsync(3);
      expect(await short).toBeInstanceOf(PoolTimeoutError);
      expect(pool.stats().waiting).toBe(1);
      held.release();
      const lease = (await long) as { release(): void };
      lease.release();
    });

    it('rejects beyond maxWaiting with PoolExhaustedError', async () => {
      const pool = make({ max: 1, maxWaiting: 1 });
      const held = await pool.acquire();
      const queued = pool.acquire();
      await expect(pool.acquire()).rejects.toBeInstanceOf(PoolExhaustedError);
      held.release();
      (await queued).release();
    });

    it('aborts a waiter by signal without cancelling its create', async () => {
      factory.createDelayMs = 100;
      const pool = make({ max: 1 });
      const controller = new AbortController();
      const attempt = pool.acquire({ signal: controller.signal });
      await flush();
      controller.abort(new Error('client went away'));
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PoolAbortedError);
      expect((error as PoolAbortedError).code).toBe('POOL_ACQUIRE_ABORTED');
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(factory.signals[0].aborted).toBe(false);
      await jest.advanceTimersByTimeAsync(100);
      expect(pool.stats()).toMatchObject({ idle: 1, creating: 0 });
    });

    it('rejects at once for an already aborted signal', async () => {
      const pool = make();
      await expect(pool.acquire({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(PoolAbortedError);
    });

    it('lists every bad option at once', () => {
      let caught: unknown;
      try {
        new Pool(factory, { min: 5, max: 2, acquireTimeoutMs: -1, idleOrder: 'random' as 'lifo' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidOptionsError);
      expect((caught as InvalidOptionsError).issues.map((i) => i.path).sort()).toEqual([
        'acquireTimeoutMs',
        'idleOrder',
        'min',
      ]);
    });
  });

  describe('events', () => {
    it('emits typed events and survives a throwing listener', async () => {
      const onListenerError = jest.fn();
      const pool = make({ max: 1, onListenerError });
      const seen: string[] = [];
      pool.on('create', () => {
        throw new Error('listener bug');
      });
      pool.on('create', () => seen.push('create'));
      pool.on('acquire', (e) => seen.push(`acquire:${e.waitMs >= 0}`));
      pool.on('release', (e) => seen.push(`release:${e.leaseMs >= 0}`));
      const lease = await pool.acquire();
      lease.release();
      expect(seen).toEqual(['create', 'acquire:true', 'release:true']);
      expect(onListenerError).toHaveBeenCalledTimes(1);
      expect(pool.stats().listenerErrorsTotal).toBe(1);
    });
  });

  describe('close', () => {
    it('fails waiters, destroys every resource including borrowed ones, and leaves nothing behind', async () => {
      const pool = make({ max: 1, maintenanceIntervalMs: 1_000 });
      pool.on('destroy', () => {});
      const held = await pool.acquire();
      const waiting = pool.acquire().catch((e: unknown) => e);
      await pool.close();
      expect(await waiting).toBeInstanceOf(PoolClosedError);
      expect(factory.destroyed).toEqual([held.resource]);
      held.release(); // revoked: a no-op
      expect(pool.stats()).toMatchObject({ size: 0, borrowed: 0, closed: true });
      expect(pool.closed).toBe(true);
      expect(pool.listenerCount()).toBe(0);
      expect(jest.getTimerCount()).toBe(0);
      await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
      await expect(pool.close()).resolves.toBeUndefined();
    });
  });

  describe('ready', () => {
    it('warms up min resources', async () => {
      const pool = make({ min: 2, max: 3 });
      await pool.ready();
      expect(pool.stats()).toMatchObject({ size: 2, idle: 2 });
    });

    it('fails fast on the first create error', async () => {
      factory.plan('fail');
      const pool = make({ min: 2, max: 2 });
      const error = await pool.ready().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceCreateError);
      expect((error as ResourceCreateError).code).toBe('POOL_CREATE_FAILED');
    });

    it("keeps retrying with initialization 'retry'", async () => {
      factory.plan('fail', 'fail');
      const pool = make({
        min: 1,
        max: 1,
        initialization: 'retry',
        createRetry: { baseMs: 100, maxMs: 100 },
      });
      const ready = pool.ready();
      await jest.advanceTimersByTimeAsync(300);
      await expect(ready).resolves.toBeUndefined();
      expect(pool.stats()).toMatchObject({ size: 1, createErrorsTotal: 2 });
    });
  });
});
