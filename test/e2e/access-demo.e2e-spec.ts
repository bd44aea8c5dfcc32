import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module, Param, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Public, Requires } from '@steward/access';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import request from 'supertest';
import { DemoAccessModule, DemoMetricsController } from '../../apps/demo/src/access/index.js';

@Controller()
class DemoLikeController {
  @Public()
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('items')
  @Requires('items:read')
  items() {
    return [];
  }

  @Post('admin/pools/:name/drain')
  @Requires('pool:drain', { resource: (req) => ({ type: 'pool', id: req.params!.name! }), privileged: true })
  drain(@Param('name') name: string) {
    return { drained: name };
  }
}

describe('demo access setup (e2e)', () => {
  let app: INestApplication;
  let dir: string;
  let keys: Record<'admin' | 'reader' | 'metrics', string>;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'steward-demo-e2e-'));
    for (const name of Object.keys(process.env)) if (name.startsWith('STEWARD_')) delete process.env[name];
    process.env.STEWARD_DEV_KEYS_FILE = join(dir, 'dev-keys.json');

    @Module({
      imports: [DemoAccessModule, PrometheusModule.register({ controller: DemoMetricsController })],
      controllers: [DemoLikeController],
    })
    class DemoLikeApp {}
    const moduleRef = await Test.createTestingModule({ imports: [DemoLikeApp] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    keys = JSON.parse(readFileSync(process.env.STEWARD_DEV_KEYS_FILE, 'utf8'));
  });

  afterAll(async () => {
    await app?.close();
    register.clear();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps health public and the rest behind keys and policies', async () => {
    const server = app.getHttpServer();
    await request(server).get('/health/live').expect(200);
    await request(server).get('/items').expect(401);
    await request(server).get('/items').set('X-API-Key', keys.reader).expect(200);
    await request(server).post('/admin/pools/db/drain').set('X-API-Key', keys.reader).expect(403);
    await request(server)
      .post('/admin/pools/db/drain')
      .set('Authorization', `Bearer ${keys.admin}`)
      .expect(201);
  });

  it('serves /metrics to the metrics role only', async () => {
    const server = app.getHttpServer();
    await request(server).get('/metrics').expect(401);
    await request(server).get('/metrics').set('X-API-Key', keys.reader).expect(403);
    const res = await request(server).get('/metrics').set('X-API-Key', keys.metrics).expect(200);
    expect(res.text).toMatch(
      /steward_authz_decisions_total\{action="metrics:read",resource_type="metrics",decision="allow"\} 1/,
    );
  });
});
