import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import request from 'supertest';
import { loadDemoConfig, type DemoConfig } from '../../apps/demo/src/demo.config.js';
import { DemoModule } from '../../apps/demo/src/demo.module.js';
import { adminQuery } from '../integration/pool-pg-helpers.js';
import { databaseUrl } from '../integration/services.js';
import { TcpProxy } from './demo-tcp-proxy.js';

async function startDemo(config: DemoConfig): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [PrometheusModule.register(), DemoModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** The same CRUD scenario on every database. */
function itemsApi(
  label: string,
  config: () => DemoConfig,
  cleanup: () => Promise<void> = async () => undefined,
) {
  describe(`demo items API on ${label} (e2e)`, () => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await startDemo(config());
    });

    afterAll(async () => {
      await app?.close();
      register.clear();
      await cleanup();
    });

    it('creates, lists, reads and deletes items', async () => {
      const http = request(app.getHttpServer());
      const created = await http.post('/items').send({ name: 'lamp', description: 'desk lamp' }).expect(201);
      expect(created.body).toMatchObject({ id: expect.any(Number), name: 'lamp', description: 'desk lamp' });
      const id = created.body.id as number;
      await http.post('/items').send({ name: 'chair' }).expect(201);

      const list = await http.get('/items').expect(200);
      expect(list.body.map((i: { name: string }) => i.name)).toEqual(['lamp', 'chair']);

      expect((await http.get(`/items/${id}`).expect(200)).body).toMatchObject({ id, name: 'lamp' });
      await http.delete(`/items/${id}`).expect(204);
      await http.get(`/items/${id}`).expect(404);
      await http.delete(`/items/${id}`).expect(404);
    });

    it('answers clear 400s for bad bodies, ids and queries, never a stack trace', async () => {
      const http = request(app.getHttpServer());
      const bad = await http.post('/items').send({ name: '', extra: 1 }).expect(400);
      expect(bad.body.message).toEqual(
        expect.arrayContaining(['property extra should not exist', expect.stringContaining('name')]),
      );
      await http
        .post('/items')
        .send({ name: 'x'.repeat(201) })
        .expect(400);
      const malformed = await http
        .post('/items')
        .set('content-type', 'application/json')
        .send('{"name":')
        .expect(400);
      expect(JSON.stringify(malformed.body)).not.toMatch(/\bat .*\.(js|ts):\d+/);
      await http.get('/items/abc').expect(400);
      // Out of the column's range: a 400 on every database, not PostgreSQL's "out of range" as a 500.
      await http.get('/items/99999999999999999999').expect(400);
      await http.get('/items/2147483648').expect(400);
      await http.delete('/items/0').expect(400);
      await http.get('/items/2147483647').expect(404);
      await http.get('/items?limit=1000').expect(400);
      await http.post('/items').send({ name: 'a\u0000b' }).expect(400);
      await http.post('/items').send({ name: 'a', description: '\u0000' }).expect(400);
      await http.get('/items?after=99999999999999999999').expect(400);
      await http.get('/items?after=2147483647').expect(200);
      // Paging is by keyset cursor only.
      await http.get('/items?offset=1').expect(400);
    });

    it('rejects ids that are not plain decimal integers (1.5, 1e3, 0x10, signs, spaces) with 400', async () => {
      const http = request(app.getHttpServer());
      const item = await http.post('/items').send({ name: 'probe' }).expect(201);
      for (const id of ['1.5', '1e3', '0x10', '+1', '-1', '%201', '1%20', '1a', '01.0']) {
        const reply = await http.get(`/items/${id}`);
        expect([id, reply.status]).toEqual([id, 400]);
        expect([id, (await http.delete(`/items/${id}`)).status]).toEqual([id, 400]);
      }
      await http.get(`/items/${item.body.id}`).expect(200);
      await http.delete(`/items/${item.body.id}`).expect(204);
    });

    it('pages with a keyset cursor: after=<last id> gives the next page, without gaps or repeats', async () => {
      const http = request(app.getHttpServer());
      const ids: number[] = [];
      for (let i = 0; i < 7; i++)
        ids.push(
          (
            await http
              .post('/items')
              .send({ name: `page-${i}` })
              .expect(201)
          ).body.id,
        );
      // A row deleted from a page already read must not shift the next page (OFFSET would skip one).
      const seen: number[] = [];
      let after = ids[0]! - 1;
      for (let page = 0; page < 5; page++) {
        const rows = (await http.get(`/items?limit=3&after=${after}`).expect(200)).body as Array<{
          id: number;
        }>;
        if (rows.length === 0) break;
        seen.push(...rows.map((r) => r.id));
        after = rows.at(-1)!.id;
        if (page === 0) await http.delete(`/items/${ids[1]}`).expect(204);
      }
      expect(seen).toEqual(ids);
      for (const id of ids) await http.delete(`/items/${id}`);
    });

    it('is ready with the db pool in the report and exposes the pool series with the pool label', async () => {
      const http = request(app.getHttpServer());
      const ready = await http.get('/health/ready').expect(200);
      expect(ready.body.details['pool:db']).toEqual({ status: 'up' });
      const metrics = await http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^steward_pool_resources\{pool="db",state="idle"\} \d+/m);
      expect(metrics.text).toMatch(/^steward_pool_acquire_seconds_count\{pool="db"\} [1-9]/m);
      expect(metrics.text).toMatch(/^steward_pool_waiting\{pool="db"\} 0/m);
    });
  });
}

const table = `steward_e2e_items_${process.pid}`;

itemsApi('SQLite', () => ({ ...loadDemoConfig({}), itemsTable: table }));

itemsApi(
  'PostgreSQL',
  () => ({ ...loadDemoConfig({}), databaseUrl: databaseUrl(), itemsTable: table }),
  async () => void (await adminQuery(`DROP TABLE IF EXISTS ${table}`)),
);

describe('demo readiness when PostgreSQL becomes unreachable (e2e)', () => {
  let app: INestApplication;
  let proxy: TcpProxy;
  const proxyTable = `${table}_proxy`;

  beforeAll(async () => {
    const target = new URL(databaseUrl());
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    const port = await proxy.start();
    target.host = `127.0.0.1:${port}`;
    app = await startDemo({
      ...loadDemoConfig({}),
      databaseUrl: target.toString(),
      itemsTable: proxyTable,
      maintenanceIntervalMs: 100,
    });
  });

  afterAll(async () => {
    await app?.close();
    await proxy?.cut();
    register.clear();
    await adminQuery(`DROP TABLE IF EXISTS ${proxyTable}`);
  });

  it('answers 200, then 503 with the pool down once the database is gone', async () => {
    const http = request(app.getHttpServer());
    await http.get('/health/ready').expect(200);
    await proxy.cut();
    let response = await http.get('/health/ready');
    // Keepalive validation (every 100 ms here) finds the dead connection and the refill fails.
    for (let i = 0; i < 100 && response.status !== 503; i++) {
      await new Promise((r) => setTimeout(r, 50));
      response = await http.get('/health/ready');
    }
    expect(response.status).toBe(503);
    expect(response.body.details['pool:db']).toMatchObject({ status: 'down' });
    expect(JSON.stringify(response.body)).not.toContain('ECONNREFUSED');
    await http.get('/health/live').expect(200);
  });
});
