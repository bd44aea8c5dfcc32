import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mintApiKey } from '@steward/access';
import { Secret } from '@steward/common';
import { register } from 'prom-client';
import request from 'supertest';
import { AppModule } from '../../apps/demo/src/app.module.js';
import { loadDemoConfig } from '../../apps/demo/src/demo.config.js';
import { MALFORMED_BODY_MESSAGE } from '../../apps/demo/src/demo-exception.filter.js';

// The whole demo as `npm start` assembles it (access control, lifecycle, pools, metrics), over HTTP.
describe('demo (e2e)', () => {
  const pepper = new Secret('e2e-pepper-'.padEnd(40, 'p'));
  const admin = mintApiKey({ pepper, clientId: 'ops', roles: ['admin'] });
  const reader = mintApiKey({ pepper, clientId: 'app', roles: ['reader'] });
  const saved = { ...process.env };
  const auditFile = join(mkdtempSync(join(tmpdir(), 'steward-e2e-')), 'audit.jsonl');
  let app: INestApplication;

  beforeAll(async () => {
    process.env.STEWARD_API_KEY_PEPPER = pepper.reveal();
    process.env.STEWARD_API_KEYS = JSON.stringify([admin.record, reader.record]);
    process.env.STEWARD_AUDIT_FILE = auditFile;
    const config = loadDemoConfig({ ITEMS_TABLE: `e2e_demo_${process.pid}`, STEWARD_AUDIT_FILE: auditFile });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    process.env = saved;
    register.clear();
    rmSync(dirname(auditFile), { recursive: true, force: true });
  });

  it('GET /health/ready is public and answers 200 with every pool and the lifecycle', async () => {
    const response = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.body.status).toBe('ok');
    expect(Object.keys(response.body.details)).toEqual(expect.arrayContaining(['lifecycle', 'pool:db']));
  });

  it('GET /health/live is public', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200);
  });

  it('GET /metrics needs metrics:read and then answers Prometheus text with the pool series', async () => {
    const denied = await request(app.getHttpServer()).get('/metrics').expect(401);
    expect(denied.headers['www-authenticate']).toBeDefined();
    const response = await request(app.getHttpServer())
      .get('/metrics')
      .set('X-API-Key', admin.key)
      .expect(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    expect(response.text).toMatch(/^# TYPE steward_pool_resources gauge/m);
    expect(response.text).toMatch(/steward_pool_resources\{[^}]*pool="db"/);
  });

  it('items: 401 without a key, readers read, only admins write', async () => {
    const server = app.getHttpServer();
    await request(server).get('/items').expect(401);
    await request(server).post('/items').set('X-API-Key', reader.key).send({ name: 'nope' }).expect(403);
    const created = await request(server)
      .post('/items')
      .set('X-API-Key', admin.key)
      .send({ name: 'first' })
      .expect(201);
    const list = await request(server).get('/items').set('X-API-Key', reader.key).expect(200);
    expect(list.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: created.body.id, name: 'first' })]),
    );
  });

  it('answers a body that is not JSON with a fixed 400 that does not quote the body back', async () => {
    const response = await request(app.getHttpServer())
      .post('/hash')
      .set('X-API-Key', admin.key)
      .set('content-type', 'application/json')
      .send('hunter2-must-not-echo')
      .expect(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: MALFORMED_BODY_MESSAGE,
    });
    expect(response.text).not.toContain('hunter2');
  });

  it('pool admin: readers are refused, admins list, resize and reset pools', async () => {
    const server = app.getHttpServer();
    await request(server).get('/admin/pools').set('X-API-Key', reader.key).expect(403);
    const list = await request(server).get('/admin/pools').set('X-API-Key', admin.key).expect(200);
    expect(list.body).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'db' })]));
    expect(list.body[0]).not.toHaveProperty('lastCreateError');
    const resized = await request(server)
      .post('/admin/pools/db/resize')
      .set('X-API-Key', admin.key)
      .send({ min: 1, max: 3 })
      .expect(200);
    expect(resized.body).toMatchObject({ name: 'db', max: 3 });
    await request(server)
      .post('/admin/pools/db/resize')
      .set('X-API-Key', admin.key)
      .send({ min: 5, max: 1 })
      .expect(400);
    const reset = await request(server).post('/admin/pools/db/reset').set('X-API-Key', admin.key).expect(200);
    expect(reset.body).toMatchObject({ name: 'db', closed: false });
    await request(server).get('/admin/pools/nope').set('X-API-Key', admin.key).expect(404);
  });

  it('admin: holding a lease is privileged and audited; the audit trail reads back verified', async () => {
    const server = app.getHttpServer();
    await request(server)
      .post('/admin/pools/db/hold')
      .set('X-API-Key', reader.key)
      .send({ ms: 5 })
      .expect(403);
    await request(server)
      .post('/admin/pools/db/hold')
      .set('X-API-Key', admin.key)
      .send({ ms: 0 })
      .expect(400);
    const held = await request(server)
      .post('/admin/pools/db/hold')
      .set('X-API-Key', admin.key)
      .send({ ms: 20 })
      .expect(200);
    expect(held.body.pool).toBe('db');
    expect(held.body.heldMs).toBeGreaterThanOrEqual(15);

    const audit = await request(server).get('/admin/audit?limit=500').set('X-API-Key', admin.key).expect(200);
    expect(audit.body.verified).toBe(true);
    const holds = audit.body.records
      .map((r: { event: { action?: string; phase?: string } }) => r.event)
      .filter((e: { action?: string }) => e.action === 'pool:hold');
    expect(holds.map((e: { phase?: string }) => e.phase)).toEqual(
      expect.arrayContaining(['requested', 'completed']),
    );
    expect(JSON.stringify(audit.body)).not.toContain(admin.key);
    await request(server).get('/admin/audit').set('X-API-Key', reader.key).expect(403);
  });

  // Last: it breaks the file's hash chain on purpose.
  it('admin audit: a torn line (crash mid-write) reads back as unverified, not as a 500', async () => {
    appendFileSync(auditFile, '{"torn":\n');
    const audit = await request(app.getHttpServer())
      .get('/admin/audit?limit=1000')
      .set('X-API-Key', admin.key)
      .expect(200);
    expect(audit.body.verified).toBe(false);
    expect(audit.body.brokenAtLine).toEqual(expect.any(Number));
    expect(audit.body.records.length).toBeGreaterThan(0);
  });
});
