import { jest } from '@jest/globals';
import { InvalidOptionsError } from '@steward/common';
import type { ConnectionBudgetHost } from '../core/interfaces/connection-budget.interface.js';
import {
  BudgetAlreadyBoundError,
  BudgetBadReplyError,
  BudgetSyncError,
  BudgetSyncTimeoutError,
} from './budget.errors.js';
import type { BudgetRedisClient } from './interfaces/redis-budget-options.interface.js';
import { RedisBudget } from './redis-budget.js';
import { BUDGET_SYNC_SHA } from './redis-budget.script.js';

interface Call {
  keep: number;
  want: number;
  epoch: string;
  answer(grant: number, options?: { share?: number; contended?: boolean; epoch?: string }): void;
  fail(error: Error): void;
}

/** A Redis client whose script calls the test answers by hand. */
class FakeRedis implements BudgetRedisClient {
  readonly calls: Call[] = [];
  evals = 0;
  noscript = false;
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    expect(sha).toBe(BUDGET_SYNC_SHA);
    expect(numKeys).toBe(4);
    if (this.noscript) {
      this.noscript = false;
      return Promise.reject(new Error('NOSCRIPT No matching script'));
    }
    return this.record(args);
  }
  eval(_script: string, _numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    this.evals++;
    return this.record(args);
  }
  get last(): Call {
    return this.calls[this.calls.length - 1];
  }
  private record(args: (string | number)[]): Promise<unknown> {
    const [, , , , , epoch, keep, want] = args;
    return new Promise((resolve, reject) => {
      this.calls.push({
        keep: Number(keep),
        want: Number(want),
        epoch: String(epoch),
        answer: (grant, o = {}) =>
          resolve([grant, o.epoch ?? 'e1', o.share ?? 4, o.contended ? 1 : 0, grant]),
        fail: reject,
      });
    });
  }
}

/** The pool's side: a demand the test sets and a count of `budgetChanged` calls. */
class FakeHost implements ConnectionBudgetHost {
  readonly name = 'db';
  wanted = 0;
  changes = 0;
  demand(): number {
    return this.wanted;
  }
  budgetChanged(): void {
    this.changes++;
  }
}

describe('RedisBudget', () => {
  let redis: FakeRedis;
  let host: FakeHost;
  let budgets: RedisBudget[];
  const make = (options: Partial<ConstructorParameters<typeof RedisBudget>[0]> = {}): RedisBudget => {
    const budget = new RedisBudget({ redis, key: 'svc:db', total: 12, leaseTtlMs: 3_000, ...options });
    budget.bind(host);
    budgets.push(budget);
    return budget;
  };
  const settle = () => jest.advanceTimersByTimeAsync(0);

  beforeEach(() => {
    jest.useFakeTimers();
    redis = new FakeRedis();
    host = new FakeHost();
    budgets = [];
  });

  afterEach(async () => {
    const closing = Promise.all(budgets.map((b) => b.close()));
    for (let i = 0; i < 5; i++) {
      await settle();
      for (const call of redis.calls) call.answer(0);
    }
    await closing;
    expect(jest.getTimerCount()).toBe(0);
    jest.useRealTimers();
  });

  it('starts no I/O until the pool asks, then asks for what its demand needs', async () => {
    const budget = make();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(redis.calls).toHaveLength(0);
    expect(budget.tryTake()).toBe(false);

    host.wanted = 3;
    budget.request();
    expect(redis.last).toMatchObject({ keep: 0, want: 3, epoch: '' });
    redis.last.answer(3);
    await settle();
    expect(host.changes).toBe(1);
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(budget.stats()).toMatchObject({ held: 3, used: 3, limit: 3, grantedTotal: 3, synced: true });
  });

  it('renews every third of the lease TTL with the epoch it was given', async () => {
    const budget = make();
    host.wanted = 2;
    budget.request();
    redis.last.answer(2, { epoch: '1700.5' });
    await settle();
    budget.tryTake();
    budget.tryTake();
    host.wanted = 0;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(redis.calls).toHaveLength(2);
    expect(redis.last).toMatchObject({ keep: 2, want: 2, epoch: '1700.5' });
  });

  it('asks again on the poll period while refused, and counts refusals', async () => {
    const budget = make({ pollMs: 200 });
    host.wanted = 2;
    budget.request();
    redis.last.answer(0);
    await settle();
    expect(budget.stats().refusedTotal).toBe(1);
    budget.request(); // the poll timer will ask: no call per request
    expect(redis.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(200);
    expect(redis.calls).toHaveLength(2);
    redis.last.answer(2);
    await settle();
    expect(budget.tryTake()).toBe(true);
  });

  it('keeps what it holds when Redis fails or does not answer, never more, and reports why', async () => {
    const errors: Error[] = [];
    const budget = make({ onError: (e) => errors.push(e), syncTimeoutMs: 500 });
    host.wanted = 2;
    budget.request();
    redis.last.answer(2);
    await settle();
    budget.tryTake();
    budget.tryTake();

    host.wanted = 3; // wants one more, Redis is down
    budget.request();
    redis.last.fail(new Error('connect ECONNREFUSED'));
    await settle();
    expect(errors[0]).toBeInstanceOf(BudgetSyncError);
    expect((errors[0] as BudgetSyncError).code).toBe('POOL_BUDGET_SYNC_FAILED');
    expect(budget.stats()).toMatchObject({ held: 2, used: 2, renewErrorsTotal: 1, synced: false });
    expect(budget.tryTake()).toBe(false);

    await jest.advanceTimersByTimeAsync(200); // polls again; this time Redis never answers
    await jest.advanceTimersByTimeAsync(500);
    expect(errors[1]).toBeInstanceOf(BudgetSyncTimeoutError);
    expect(budget.stats()).toMatchObject({ held: 2, renewErrorsTotal: 2 });
    redis.calls[1].answer(3); // the late answer is ignored: the next sync says what is held
    await settle();
    expect(budget.stats().held).toBe(2);
  });

  it('falls back to EVAL when Redis lost the script', async () => {
    const budget = make();
    redis.noscript = true;
    host.wanted = 1;
    budget.request();
    await settle();
    expect(redis.evals).toBe(1);
    redis.last.answer(1);
    await settle();
    expect(budget.tryTake()).toBe(true);
  });

  it('gives back slots it no longer needs, before Redis answers', async () => {
    const budget = make({ minPerReplica: 1 });
    host.wanted = 3;
    budget.request();
    redis.last.answer(3);
    await settle();
    for (let i = 0; i < 3; i++) budget.tryTake();
    host.wanted = 0;
    budget.release();
    budget.release();
    budget.release();
    await settle();
    expect(redis.last).toMatchObject({ keep: 1, want: 1 });
    expect(budget.stats()).toMatchObject({ held: 1, limit: 1 });
    redis.last.answer(1);
    await settle();
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
  });

  it('keeps the slot a replacement takes at once (no round trip for a lifetime expiry)', async () => {
    const budget = make();
    host.wanted = 1;
    budget.request();
    redis.last.answer(1);
    await settle();
    budget.tryTake();
    host.wanted = 0;
    budget.release();
    expect(budget.tryTake()).toBe(true);
    await settle();
    expect(redis.calls).toHaveLength(1);
  });

  it('sheds down to its fair share while another replica waits', async () => {
    const budget = make();
    host.wanted = 6;
    budget.request();
    redis.last.answer(6);
    await settle();
    for (let i = 0; i < 6; i++) budget.tryTake();
    const changes = host.changes;
    await jest.advanceTimersByTimeAsync(1_000); // renewal: another replica is short
    redis.last.answer(6, { share: 4, contended: true });
    await settle();
    expect(budget.excess()).toBe(2);
    expect(host.changes).toBe(changes + 1);
    budget.release();
    budget.release();
    await settle();
    expect(redis.last).toMatchObject({ keep: 4, want: 4 });
  });

  it('gives every slot back on close and stops its timers', async () => {
    const budget = make();
    host.wanted = 2;
    budget.request();
    redis.last.answer(2);
    await settle();
    const closing = budget.close();
    await settle();
    expect(redis.last).toMatchObject({ keep: 0, want: 0 });
    redis.last.answer(0);
    await closing;
    expect(jest.getTimerCount()).toBe(0);
  });

  it('disconnects the client it owns once its slots went back', async () => {
    let disconnected = 0;
    const owned = Object.assign(redis, { disconnect: () => void disconnected++ });
    const budget = make({ redis: owned, closeRedis: true });
    host.wanted = 1;
    budget.request();
    redis.last.answer(1);
    await settle();
    const closing = budget.close();
    await settle();
    expect(disconnected).toBe(0);
    redis.last.answer(0);
    await closing;
    expect(disconnected).toBe(1);
  });

  it('reports a reply that is not its own as a sync error, keeping what it holds', async () => {
    const errors: Error[] = [];
    const budget = make({ onError: (e) => errors.push(e) });
    const bad = Object.assign(redis, { evalsha: () => Promise.resolve('OK') });
    expect(bad).toBe(redis);
    host.wanted = 1;
    budget.request();
    await settle();
    expect(errors[0]).toBeInstanceOf(BudgetSyncError);
    expect((errors[0] as BudgetSyncError).cause).toBeInstanceOf(BudgetBadReplyError);
    expect(budget.stats()).toMatchObject({ held: 0, renewErrorsTotal: 1 });
  });

  it('tells Redis to keep every slot the pool may take while the sync is in flight', async () => {
    const budget = make();
    host.wanted = 4;
    budget.request();
    redis.last.answer(4);
    await settle();
    budget.tryTake(); // one in use, three more may be taken before Redis runs the next script
    host.wanted = 3;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(redis.last).toMatchObject({ keep: 4, want: 4 });
    budget.tryTake();
    budget.tryTake();
    budget.tryTake();
    redis.last.answer(4, { share: 2, contended: true });
    await settle();
    expect(budget.stats()).toMatchObject({ held: 4, used: 4, limit: 2 });
    expect(budget.excess()).toBe(2);
    await jest.advanceTimersByTimeAsync(1_000); // above its share, every slot it uses is still kept
    expect(redis.last).toMatchObject({ keep: 4 });
  });

  it('checks its options and belongs to one pool', () => {
    expect(() => new RedisBudget({ redis, key: '', total: 0, leaseTtlMs: 10 })).toThrow(InvalidOptionsError);
    const budget = make();
    expect(() => budget.bind(host)).toThrow(BudgetAlreadyBoundError);
  });
});
