import { InvalidOptionsError } from '@steward/common';
import { loadDemoConfig } from './demo.config.js';

function issuesOf(env: NodeJS.ProcessEnv): { paths: string[]; message: string } {
  try {
    loadDemoConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return {
      paths: (error as InvalidOptionsError).issues.map((i) => i.path),
      message: (error as Error).message,
    };
  }
  throw new Error('loadDemoConfig accepted the environment');
}

describe('loadDemoConfig', () => {
  it('needs no environment at all', () => {
    expect(loadDemoConfig({})).toMatchObject({
      databaseUrl: undefined,
      dbMax: 10,
      itemsTable: 'steward_demo_items',
    });
  });

  it('rejects a table name the repositories would refuse later (upper case, leading digit)', () => {
    expect(issuesOf({ ITEMS_TABLE: 'Items' }).paths).toEqual(['ITEMS_TABLE']);
    expect(issuesOf({ ITEMS_TABLE: '1items' }).paths).toEqual(['ITEMS_TABLE']);
    expect(loadDemoConfig({ ITEMS_TABLE: 'items_2' }).itemsTable).toBe('items_2');
  });

  it('refuses a shutdown budget beyond its deadline, naming the four variables', () => {
    const { message } = issuesOf({
      STEWARD_SHUTDOWN_DELAY_MS: '5000',
      STEWARD_DRAIN_TIMEOUT_MS: '10000',
      STEWARD_STOP_TIMEOUT_MS: '5000',
      STEWARD_SHUTDOWN_DEADLINE_MS: '15000',
    });
    for (const name of [
      'STEWARD_SHUTDOWN_DELAY_MS',
      'STEWARD_DRAIN_TIMEOUT_MS',
      'STEWARD_STOP_TIMEOUT_MS',
      'STEWARD_SHUTDOWN_DEADLINE_MS',
    ]) {
      expect(message).toContain(name);
    }
    expect(loadDemoConfig({ STEWARD_SHUTDOWN_DEADLINE_MS: '20000' }).shutdown.deadlineMs).toBe(20_000);
  });

  it('lists every bad variable at once and never echoes a value', () => {
    const { paths, message } = issuesOf({
      DATABASE_URL: 'mysql://bob:S3cretPW@db/x',
      DB_POOL_MAX: '0',
      HASH_WORKERS: 'many',
    });
    expect(paths.sort()).toEqual(['DATABASE_URL', 'DB_POOL_MAX', 'HASH_WORKERS']);
    expect(message).not.toMatch(/S3cretPW|bob|many/);
  });
});
