import pg from 'pg';
import { mintApiKey } from '@steward/access';
import { Secret } from '@steward/common';
import { demoAccessConfig } from '../../apps/demo/src/access/demo-access.config.js';
import { databaseUrl } from './services.js';

const PEPPER = 'demo-int-pepper-0123456789-0123456789-xyz';

describe('demo access on PostgreSQL (DATABASE_URL)', () => {
  const table = `steward_demo_keys_${process.pid}_${Date.now()}`;
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
  });
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`);
    await pool.end();
  });

  it('keeps the configured keys in the PostgreSQL key store, where a revocation takes effect', async () => {
    const { key, record } = mintApiKey({ pepper: new Secret(PEPPER), clientId: 'ops', roles: ['admin'] });
    const env = {
      DATABASE_URL: databaseUrl(),
      STEWARD_API_KEYS_TABLE: table,
      STEWARD_API_KEY_PEPPER: PEPPER,
      STEWARD_API_KEYS: JSON.stringify([record]),
    };
    for (let boot = 0; boot < 2; boot++) {
      const config = demoAccessConfig(env);
      try {
        await config.prepare!(); // a second boot stores nothing twice
        const result = await config.options.authenticators[0]!.authenticate({ apiKey: key }, {});
        expect(result).toMatchObject({ kind: 'success', principal: { id: 'client:ops' } });
      } finally {
        await config.close?.();
        await config.options.audit?.close?.();
      }
    }
    const { rows } = await pool.query(`select key_id, hash from ${table}`);
    expect(rows).toEqual([{ key_id: record.keyId, hash: record.hash }]);

    await pool.query(`update ${table} set revoked_at = now() where key_id = $1`, [record.keyId]);
    const config = demoAccessConfig(env);
    try {
      const result = await config.options.authenticators[0]!.authenticate({ apiKey: key }, {});
      expect(result).toMatchObject({ kind: 'failure', reason: 'revoked' });
    } finally {
      await config.close?.();
      await config.options.audit?.close?.();
    }
  });
});
