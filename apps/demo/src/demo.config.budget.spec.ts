import { InvalidOptionsError } from '@steward/common';
import { loadDemoConfig } from './demo.config.js';

const pgAndRedis = { DATABASE_URL: 'postgres://db/app', REDIS_URL: 'redis://cache:6379' };

describe('loadDemoConfig: the db connection budget', () => {
  it('is off by default, with the idle timeout of the engine', () => {
    expect(loadDemoConfig(pgAndRedis)).toMatchObject({ dbBudget: undefined, dbIdleTimeoutMs: 600_000 });
  });

  it('reads the total, key, lease TTL and floor per replica', () => {
    const config = loadDemoConfig({
      ...pgAndRedis,
      STEWARD_DB_BUDGET_TOTAL: '12',
      STEWARD_DB_BUDGET_KEY: 'svc:db',
      STEWARD_DB_BUDGET_LEASE_TTL_MS: '2000',
      STEWARD_DB_BUDGET_MIN_PER_REPLICA: '0',
      DB_IDLE_TIMEOUT_MS: '1000',
    });
    expect(config).toMatchObject({
      dbBudget: { total: 12, key: 'svc:db', leaseTtlMs: 2_000, minPerReplica: 0 },
      dbIdleTimeoutMs: 1_000,
    });
    expect(loadDemoConfig({ ...pgAndRedis, STEWARD_DB_BUDGET_TOTAL: '4' }).dbBudget).toEqual({
      total: 4,
      key: 'steward-demo:db',
      leaseTtlMs: 10_000,
      minPerReplica: 1,
    });
  });

  it('needs Redis and PostgreSQL, and names the variable that is wrong', () => {
    for (const env of [
      { STEWARD_DB_BUDGET_TOTAL: '12' },
      { DATABASE_URL: 'postgres://db/app', STEWARD_DB_BUDGET_TOTAL: '12' },
    ]) {
      expect(() => loadDemoConfig(env)).toThrow(InvalidOptionsError);
      expect(() => loadDemoConfig(env)).toThrow(/STEWARD_DB_BUDGET_TOTAL/);
    }
    expect(() =>
      loadDemoConfig({ ...pgAndRedis, STEWARD_DB_BUDGET_TOTAL: '12', STEWARD_DB_BUDGET_LEASE_TTL_MS: '5' }),
    ).toThrow(/STEWARD_DB_BUDGET_LEASE_TTL_MS/);
  });
});
