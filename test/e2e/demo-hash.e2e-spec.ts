import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import request from 'supertest';
import { loadDemoConfig } from '../../apps/demo/src/demo.config.js';
import { DemoModule } from '../../apps/demo/src/demo.module.js';

describe('demo POST /hash through the worker-process pool (e2e)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PrometheusModule.register(), DemoModule.forRoot({ ...loadDemoConfig({}), hashWorkers: 2 })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    register.clear();
  });

  it('hashes with scrypt in a worker: same salt gives the same hash, a new salt another', async () => {
    const http = request(app.getHttpServer());
    const salt = '00112233445566778899aabbccddeeff';
    const [a, b, c] = await Promise.all([
      http.post('/hash').send({ password: 'hunter2', salt }).expect(200),
      http.post('/hash').send({ password: 'hunter2', salt }).expect(200),
      http.post('/hash').send({ password: 'hunter2' }).expect(200),
    ]);
    expect(a.body).toMatchObject({
      algorithm: expect.stringMatching(/^scrypt:/),
      salt,
      hash: expect.stringMatching(/^[0-9a-f]{128}$/),
    });
    expect(b.body.hash).toBe(a.body.hash);
    expect(c.body.salt).not.toBe(salt);
    expect(c.body.hash).not.toBe(a.body.hash);
    expect(JSON.stringify(a.body)).not.toContain('hunter2');

    const ready = await http.get('/health/ready').expect(200);
    // Readiness is public: it says up and why not, the figures stay behind the guarded admin routes.
    expect(ready.body.details['pool:hash']).toEqual({ status: 'up' });
  });

  it('rejects bad bodies with a 400', async () => {
    const http = request(app.getHttpServer());
    await http.post('/hash').send({}).expect(400);
    await http.post('/hash').send({ password: 'x', salt: 'not-hex' }).expect(400);
    await http
      .post('/hash')
      .send({ password: 'x'.repeat(2_000) })
      .expect(400);
  });
});
