import { jest } from '@jest/globals';
import type {
  ConnectionBudget,
  ConnectionBudgetHost,
  ConnectionBudgetStats,
} from './interfaces/connection-budget.interface.js';
import type { DestroyReason } from './interfaces/pool-events.interface.js';
import type { FakeResourceFactory } from './testing/fake-resource.factory.js';
import { usePoolHarness } from './testing/pool-harness.js';

/** A budget the test hands slots to by hand, counting every call the pool makes. */
class ManualBudget implements ConnectionBudget {
  host!: ConnectionBudgetHost;
  held = 0;
  used = 0;
  limit: number | undefined = undefined;
  requests = 0;
  takes = 0;
  closed = false;
  usedAtClose = -1;

  bind(host: ConnectionBudgetHost): void {
    this.host = host;
  }
  tryTake(): boolean {
    this.takes++;
    if (this.used >= this.cap) return false;
    this.used++;
    return true;
  }
  release(): void {
    this.used--;
  }
  request(): void {
    this.requests++;
  }
  excess(): number {
    return Math.max(0, this.used - this.cap);
  }
  stats(): ConnectionBudgetStats {
    const s = { held: this.held, used: this.used, limit: this.cap };
    return { ...s, grantedTotal: 0, refusedTotal: 0, renewErrorsTotal: 0, synced: true };
  }
  close(): Promise<void> {
    this.closed = true;
    this.usedAtClose = this.used;
    return Promise.resolve();
  }
  grant(n: number): void {
    this.held += n;
    this.host.budgetChanged();
  }
  shrink(limit: number): void {
    this.limit = limit;
    this.host.budgetChanged();
  }
  private get cap(): number {
    return Math.min(this.held, this.limit ?? Number.POSITIVE_INFINITY);
  }
}

describe('Pool with a connection budget', () => {
  const harness = usePoolHarness({ max: 5 });
  let factory: FakeResourceFactory;
  let reasons: DestroyReason[];
  let budget: ManualBudget;
  beforeEach(() => {
    ({ factory, reasons } = harness);
    budget = new ManualBudget();
  });

  it('creates only under a slot it holds, asks for more, and serves waiters as slots arrive', async () => {
    budget.held = 2;
    const pool = harness.make({ budget });
    const acquires = [0, 1, 2, 3].map(() => pool.acquire());
    await jest.advanceTimersByTimeAsync(0);
    expect(factory.created).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ size: 2, waiting: 2, budget: { held: 2, used: 2 } });
    expect(budget.requests).toBeGreaterThan(0);
    expect(budget.host.demand()).toBe(2);

    budget.grant(1);
    await jest.advanceTimersByTimeAsync(0);
    expect(factory.created).toHaveLength(3);
    budget.grant(5); // more than the pool's max: never more than max alive
    await jest.advanceTimersByTimeAsync(0);
    expect(factory.created).toHaveLength(4);
    expect(budget.host.demand()).toBe(0);
    for (const lease of await Promise.all(acquires)) lease.release();
  });

  it('borrows and returns idle resources without touching the budget', async () => {
    budget.held = 1;
    const pool = harness.make({ budget });
    (await pool.acquire()).release();
    const takes = budget.takes;
    for (let i = 0; i < 100; i++) (await pool.acquire()).release();
    pool.tryAcquire()!.release();
    expect(budget.takes).toBe(takes);
    expect(budget.used).toBe(1);
  });

  it('returns a slot only once the destroy settled', async () => {
    budget.held = 1;
    factory.destroyMode = 'hang';
    const pool = harness.make({ budget, destroyTimeoutMs: 2_000 });
    const lease = await pool.acquire();
    void lease.destroy();
    const next = pool.acquire();
    await jest.advanceTimersByTimeAsync(1_999);
    expect(budget.used).toBe(1);
    expect(factory.created).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(factory.created).toHaveLength(2);
    (await next).release();
  });

  it('returns the slot of a failed create', async () => {
    budget.held = 1;
    factory.plan('fail');
    const pool = harness.make({ budget, createRetry: { baseMs: 100, maxMs: 100 } });
    const waiting = pool.acquire();
    await jest.advanceTimersByTimeAsync(0);
    expect(budget.used).toBe(0);
    await jest.advanceTimersByTimeAsync(100);
    expect(budget.used).toBe(1);
    (await waiting).release();
  });

  it('gives slots back as idle resources above min time out', async () => {
    budget.held = 3;
    const pool = harness.make({ budget, min: 1, idleTimeoutMs: 1_000 });
    const leases = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    for (const lease of leases) lease.release();
    expect(budget.used).toBe(3);
    await pool.maintain();
    await jest.advanceTimersByTimeAsync(1_000);
    await pool.maintain();
    expect(reasons).toEqual(['idle', 'idle']);
    expect(budget.used).toBe(1);
  });

  it('sheds down to a lowered limit: idle resources at once, borrowed ones as they come back', async () => {
    budget.held = 4;
    const pool = harness.make({ budget });
    const leases = await Promise.all([0, 1, 2, 3].map(() => pool.acquire()));
    leases[0].release();
    leases[1].release();
    budget.shrink(1);
    await jest.advanceTimersByTimeAsync(0);
    expect(reasons).toEqual(['budget', 'budget']);
    leases[2].release();
    await jest.advanceTimersByTimeAsync(0);
    expect(reasons).toEqual(['budget', 'budget', 'budget']);
    leases[3].release(); // at the limit now: kept
    expect(pool.stats()).toMatchObject({ idle: 1, budget: { used: 1 } });
  });

  it('retires no more than the excess while the destroys are still closing', async () => {
    budget.held = 4;
    factory.destroyMode = 'hang';
    const pool = harness.make({ budget, destroyTimeoutMs: 5_000 });
    const leases = await Promise.all([0, 1, 2, 3].map(() => pool.acquire()));
    for (const lease of leases.slice(0, 3)) lease.release();
    budget.shrink(2);
    await jest.advanceTimersByTimeAsync(0);
    expect(reasons).toEqual(['budget', 'budget']);
    leases[3].release(); // its slot is not in excess once the two destroys settle
    budget.shrink(2);
    expect(reasons).toEqual(['budget', 'budget']);
    expect(pool.stats()).toMatchObject({ idle: 2, destroying: 2, budget: { used: 4 } });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(pool.stats()).toMatchObject({ idle: 2, destroying: 0, budget: { used: 2 } });
  });

  it('asks for no more than the adaptive limit lets in', async () => {
    budget.held = 0;
    const pool = harness.make({ budget, max: 10, adaptive: { initialLimit: 3 } });
    const acquires = Array.from({ length: 8 }, () => pool.acquire());
    await jest.advanceTimersByTimeAsync(0);
    expect(budget.host.demand()).toBe(3);
    budget.grant(10);
    await jest.advanceTimersByTimeAsync(0);
    expect(factory.created).toHaveLength(3);
    expect(budget.used).toBe(3);
    void pool.close();
    await Promise.allSettled(acquires);
  });

  it('closes the budget once every destroy settled', async () => {
    budget.held = 2;
    const pool = harness.make({ budget });
    await Promise.all([pool.acquire(), pool.acquire()]);
    await pool.close();
    expect(budget.closed).toBe(true);
    expect(budget.usedAtClose).toBe(0);
  });

  it('rejects a budget that is not one', () => {
    expect(() => harness.make({ budget: {} as ConnectionBudget })).toThrow(/budget/);
  });
});
