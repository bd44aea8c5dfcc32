import { demoKeys } from './support/access.js';
import { expectRefused, type ConfigCase } from './support/config-check.js';

// Scenario 8 (service settings): every invalid pool size, timeout or URL makes the demo exit non-zero at
// boot, before it listens, with one message naming the setting and nothing else (never a password).
const keys = demoKeys();
const DB_PASSWORD = 'hunter2-db-password';

const settings: (Omit<ConfigCase, 'secrets'> & { secrets?: string[] })[] = [
  { what: 'pool size zero', env: { DB_POOL_MAX: '0' }, names: ['DB_POOL_MAX'] },
  { what: 'pool size not a number', env: { DB_POOL_MAX: 'ten' }, names: ['DB_POOL_MAX'] },
  { what: 'negative worker count', env: { HASH_WORKERS: '-1' }, names: ['HASH_WORKERS'] },
  {
    what: 'acquire timeout with a unit',
    env: { DB_ACQUIRE_TIMEOUT_MS: '5s' },
    names: ['DB_ACQUIRE_TIMEOUT_MS'],
  },
  { what: 'leak detection negative', env: { DB_LEAK_DETECTION_MS: '-1' }, names: ['DB_LEAK_DETECTION_MS'] },
  {
    what: 'shutdown deadline zero',
    env: { STEWARD_SHUTDOWN_DEADLINE_MS: '0' },
    names: ['STEWARD_SHUTDOWN_DEADLINE_MS'],
  },
  {
    what: 'two bad settings at once',
    env: { DB_POOL_MAX: '-3', POOL_MAINTENANCE_MS: '1' },
    names: ['DB_POOL_MAX', 'POOL_MAINTENANCE_MS'],
  },
  {
    what: 'database URL of another scheme, with a password',
    env: { DATABASE_URL: `mysql://app:${DB_PASSWORD}@127.0.0.1/test` },
    names: ['DATABASE_URL'],
    secrets: [DB_PASSWORD],
  },
  { what: 'Redis URL that is not a URL', env: { REDIS_URL: 'localhost 6379' }, names: ['REDIS_URL'] },
  { what: 'table name that is SQL', env: { ITEMS_TABLE: 'items;drop' }, names: ['ITEMS_TABLE'] },
];
const cases: ConfigCase[] = settings.map((c) => ({
  ...c,
  env: { ...keys.env, ...c.env },
  secrets: [...(c.secrets ?? []), keys.pepper],
}));

describe('chaos: bad configuration (service settings)', () => {
  it.each(cases.map((c) => [c.what, c] as const))('%s', (_what, c) => expectRefused(c), 30_000);
});
