import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import request from 'supertest';
import { AppModule } from '../../apps/demo/src/app.module.js';

describe('demo (e2e)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    register.clear();
  });

  it('GET /health/ready answers 200 with a JSON health report', async () => {
    const response = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.body.status).toBe('ok');
  });

  it('GET /health/live answers 200', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200);
  });

  it('GET /metrics answers Prometheus text', async () => {
    const response = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    expect(response.text).toMatch(/^# HELP process_cpu_user_seconds_total/m);
    expect(response.text).toMatch(/^# TYPE \w+ (counter|gauge|histogram)/m);
  });
});
