import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import type {
  ConnectionBudget,
  ConnectionBudgetHost,
  ConnectionBudgetStats,
} from '../core/interfaces/connection-budget.interface.js';
import type { ResourceFactory } from '../core/interfaces/resource-factory.interface.js';
import type { Pool } from '../core/pool.js';
import { PoolModule } from './pool.module.js';
import type { PoolHost } from './pool.host.js';
import { getPoolHostToken, getPoolToken } from './pool.tokens.js';

/** A budget with two slots whose counters and sync state the test sets. */
class StubBudget implements ConnectionBudget {
  figures: ConnectionBudgetStats = {
    held: 2,
    used: 0,
    limit: 2,
    grantedTotal: 2,
    refusedTotal: 0,
    renewErrorsTotal: 0,
    synced: true,
  };
  bind(_host: ConnectionBudgetHost): void {}
  tryTake(): boolean {
    if (this.figures.used >= this.figures.limit) return false;
    this.figures.used++;
    return true;
  }
  release(): void {
    this.figures.used--;
  }
  request(): void {}
  excess(): number {
    return 0;
  }
  stats(): ConnectionBudgetStats {
    return { ...this.figures };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const factory: ResourceFactory<object> = { create: async () => ({}), destroy: async () => undefined };

describe('PoolModule with a connection budget', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
  });

  const start = async (budget: StubBudget) => {
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'db', factory, max: 4, budget })],
    }).compile();
    app = await moduleRef.init();
    return {
      pool: app.get<Pool<object>>(getPoolToken('db')),
      host: app.get<PoolHost>(getPoolHostToken('db')),
    };
  };

  it('pushes the slots held, used and the counters granted, refused and renew errors', async () => {
    const budget = new StubBudget();
    const { pool, host } = await start(budget);
    const lease = await pool.acquire();
    await new Promise((resolve) => setImmediate(resolve));
    let text = await register.metrics();
    expect(text).toContain('steward_pool_budget_slots{pool="db",state="held"} 2');
    expect(text).toContain('steward_pool_budget_slots{pool="db",state="used"} 1');
    expect(text).toContain('steward_pool_budget_granted_total{pool="db"} 2');
    expect(text).toContain('steward_pool_budget_renew_errors_total{pool="db"} 0');
    budget.figures = { ...budget.figures, grantedTotal: 5, refusedTotal: 3, renewErrorsTotal: 1 };
    await host.runMaintenance();
    text = await register.metrics();
    expect(text).toContain('steward_pool_budget_granted_total{pool="db"} 5');
    expect(text).toContain('steward_pool_budget_refused_total{pool="db"} 3');
    expect(text).toContain('steward_pool_budget_renew_errors_total{pool="db"} 1');
    lease.release();
  });

  it('reports readiness degraded, with the reason, while the budget cannot reach Redis', async () => {
    const budget = new StubBudget();
    const { host } = await start(budget);
    expect(host.health().status).toBe('up');
    budget.figures = { ...budget.figures, synced: false };
    expect(host.health()).toMatchObject({ status: 'degraded', reason: expect.stringContaining('budget') });
  });

  it('adds no budget series to a pool without a budget', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'plain', factory, max: 1 })],
    }).compile();
    app = await moduleRef.init();
    expect(await register.metrics()).not.toContain('steward_pool_budget_slots{pool="plain"');
  });
});
