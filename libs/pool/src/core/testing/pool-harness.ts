import { jest } from '@jest/globals';
import type { DestroyReason } from '../interfaces/pool-events.interface.js';
import type { PoolOptions } from '../interfaces/pool-options.interface.js';
import { Pool } from '../pool.js';
import { FakeResourceFactory, type FakeResource } from './fake-resource.factory.js';

/** What a pool spec works with: this test's fake factory, its pools and the destroy reasons they reported. */
export interface PoolHarness {
  readonly factory: FakeResourceFactory;
  readonly reasons: DestroyReason[];
  make(options?: PoolOptions): Pool<FakeResource>;
}

/**
 * Registers the shared setup of the pool specs: fake timers and a fresh factory before each test; after
 * it, every pool made is closed and no timer may be left (the "nothing left after close()" rule).
 */
export function usePoolHarness(defaults: PoolOptions): PoolHarness {
  let factory: FakeResourceFactory | undefined;
  let pools: Pool<FakeResource>[] = [];
  let reasons: DestroyReason[] = [];

  beforeEach(() => {
    jest.useFakeTimers();
    factory = new FakeResourceFactory();
    pools = [];
    reasons = [];
  });

  afterEach(async () => {
    const closing = Promise.all(pools.map((p) => p.close()));
    await jest.runAllTimersAsync();
    await closing;
    expect(jest.getTimerCount()).toBe(0);
    jest.useRealTimers();
  });

  return {
    get factory() {
      return factory!;
    },
    get reasons() {
      return reasons;
    },
    make(options: PoolOptions = {}) {
      const pool = new Pool(factory!, { ...defaults, ...options });
      pool.on('destroy', (e) => reasons.push(e.reason));
      pools.push(pool);
      return pool;
    },
  };
}
