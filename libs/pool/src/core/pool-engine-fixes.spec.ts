import { jest } from '@jest/globals';
import { InvalidOptionsError } from '@steward/common';
import type { AcquireOptions } from './interfaces/pool-options.interface.js';
import { PoolTimeoutError } from './pool.errors.js';
import type { FakeResourceFactory } from './testing/fake-resource.factory.js';
import { usePoolHarness } from './testing/pool-harness.js';

/** Regressions of issue 13: a waiter beside an idle resource, acquire options, ready() after resize. */
describe('Pool engine fixes', () => {
  const harness = usePoolHarness({ max: 2 });
  const make = harness.make;
  let factory: FakeResourceFactory;
  beforeEach(() => ({ factory } = harness));

  describe('a waiter never waits beside an idle resource with room under the adaptive limit', () => {
    /** max 2, limit cut to 1 by memory pressure, one borrowed and one idle, one waiter. */
    async function limitedPool() {
      let pressure = 0;
      const pool = make({
        max: 2,
        adaptive: { initialLimit: 2, memoryProbe: () => pressure },
      });
      const a = await pool.acquire();
      const b = await pool.acquire();
      b.release();
      await jest.advanceTimersByTimeAsync(0);
      pressure = 1;
      await pool.maintain();
      expect(pool.stats()).toMatchObject({ effectiveMax: 1, idle: 1, borrowed: 1 });
      // Creates from now on take longer than the waiter waits.
      factory.createDelayMs = 60_000;
      const waiter = pool.acquire({ timeoutMs: 1_000 }).catch((e: unknown) => e);
      expect(pool.stats().waiting).toBe(1);
      return { pool, a, waiter };
    }

    it('serves the waiter from idle when the returned resource goes through factory.reset', async () => {
      let resetMs = 0;
      factory.reset = () => new Promise((resolve) => setTimeout(resolve, resetMs));
      const { pool, a, waiter } = await limitedPool();
      resetMs = 30_000;
      a.release();
      await jest.advanceTimersByTimeAsync(2_000);
      const lease = await waiter;
      expect(lease).not.toBeInstanceOf(PoolTimeoutError);
      expect(pool.stats()).toMatchObject({ waiting: 0, borrowed: 1, idle: 0 });
    });

    it('serves the waiter from idle when the returned resource is retired (maxUses) and destroyed', async () => {
      // The borrowed resource is on its second use and retires on return; the idle one is on its first.
      const pool = make({ max: 2, maxUses: 2, adaptive: { initialLimit: 2, memoryProbe: () => pressure } });
      let pressure = 0;
      const first = await pool.acquire();
      const b = await pool.acquire();
      first.release();
      const a = await pool.acquire();
      expect(a.resource).toBe(first.resource);
      b.release();
      pressure = 1;
      await pool.maintain();
      expect(pool.stats()).toMatchObject({ effectiveMax: 1, idle: 1, borrowed: 1 });
      factory.createDelayMs = 60_000;
      const waiter = pool.acquire({ timeoutMs: 1_000 }).catch((e: unknown) => e);
      a.release();
      await jest.advanceTimersByTimeAsync(2_000);
      const lease = await waiter;
      expect(lease).not.toBeInstanceOf(PoolTimeoutError);
      expect(pool.stats()).toMatchObject({ waiting: 0, borrowed: 1, idle: 0 });
      expect(harness.reasons).toEqual(['max-uses']);
    });
  });

  describe('acquire options are checked on every call, idle resource or not', () => {
    const bad: [string, unknown][] = [
      ['timeoutMs -1', { timeoutMs: -1 }],
      ['timeoutMs 0', { timeoutMs: 0 }],
      ['timeoutMs null', { timeoutMs: null }],
      ['timeoutMs NaN', { timeoutMs: Number.NaN }],
      ['timeoutMs as a string', { timeoutMs: '1000' }],
      ['priority as a string', { priority: '1' }],
      ['priority null', { priority: null }],
      ['priority NaN', { priority: Number.NaN }],
      ['signal that is no AbortSignal', { signal: {} }],
      ['options that are no object', 5],
    ];

    it.each(bad)('rejects %s while a resource is idle and under load alike', async (_label, options) => {
      const pool = make({ max: 1 });
      await pool.ready();
      (await pool.acquire()).release();
      expect(pool.stats().idle).toBe(1);
      await expect(pool.acquire(options as AcquireOptions)).rejects.toBeInstanceOf(InvalidOptionsError);
      const held = await pool.acquire();
      await expect(pool.acquire(options as AcquireOptions)).rejects.toBeInstanceOf(InvalidOptionsError);
      expect(pool.stats()).toMatchObject({ waiting: 0, borrowed: 1 });
      held.release();
    });

    it('accepts what the types allow: no options, Infinity, a negative priority, a signal', async () => {
      const pool = make({ max: 1 });
      const options: AcquireOptions[] = [
        {},
        { timeoutMs: Number.POSITIVE_INFINITY },
        { timeoutMs: 0.5 },
        { priority: -3 },
        { signal: new AbortController().signal },
      ];
      for (const o of [undefined, ...options]) (await pool.acquire(o)).release();
      expect(pool.stats().acquiredTotal).toBe(6);
    });
  });

  describe('ready()', () => {
    it("with initialization 'retry' resolves once resize() lowered min to what exists", async () => {
      factory.plan('fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'fail');
      const pool = make({ min: 2, max: 4, initialization: 'retry', acquireTimeoutMs: 10_000 });
      const ready = pool.ready().then(
        () => 'ready',
        (e: unknown) => e,
      );
      await jest.advanceTimersByTimeAsync(50);
      pool.resize(0, 4);
      await jest.advanceTimersByTimeAsync(0);
      expect(await ready).toBe('ready');
    });
  });
});
