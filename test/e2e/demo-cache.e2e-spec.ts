import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { Redis } from 'ioredis';
import { register } from 'prom-client';
import request from 'supertest';
import { loadDemoConfig, type DemoConfig } from '../../apps/demo/src/demo.config.js';
import { DemoModule } from '../../apps/demo/src/demo.module.js';
import { ItemsCache, itemsCachePrefix } from '../../apps/demo/src/items/items.cache.js';
import { redisUrl } from '../integration/services.js';

async function startDemo(config: DemoConfig): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [PrometheusModule.register(), DemoModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('demo Redis cache in front of item reads (e2e)', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
  });

  it('serves a second read from Redis and drops the entry on delete', async () => {
    app = await startDemo({ ...loadDemoConfig({}), redisUrl: redisUrl() });
    const http = request(app.getHttpServer());
    const created = await http.post('/items').send({ name: 'cached' }).expect(201);
    const key = app.get(ItemsCache).key(created.body.id);
    // Another demo on its own SQLite file (another suite, the chaos runs) shares this Redis: its item
    // of the same id must live under another key.
    expect(key).not.toBe(
      itemsCachePrefix('steward_demo_items', { sqlitePath: '/elsewhere/items.db' }) +
        `:item:${created.body.id}`,
    );
    const redis = new Redis(redisUrl(), { lazyConnect: true });
    await redis.connect();
    try {
      await redis.del(key);
      await http.get(`/items/${created.body.id}`).expect(200);
      expect(JSON.parse((await redis.get(key))!)).toMatchObject({ id: created.body.id, name: 'cached' });
      // A value only Redis has proves the next read comes from the cache.
      await redis.set(key, JSON.stringify({ ...created.body, name: 'from-redis' }), 'EX', 60);
      expect((await http.get(`/items/${created.body.id}`).expect(200)).body.name).toBe('from-redis');
      await redis.set(key, '{not json', 'EX', 60);
      expect((await http.get(`/items/${created.body.id}`).expect(200)).body.name).toBe('cached');
      await http.delete(`/items/${created.body.id}`).expect(204);
      expect(await redis.exists(key)).toBe(0);
      const ready = await http.get('/health/ready').expect(200);
      expect(ready.body.details['pool:cache']).toMatchObject({ status: 'up' });
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });

  it('boots and serves items from the database when Redis is down; readiness stays 200, cache degraded', async () => {
    app = await startDemo({
      ...loadDemoConfig({}),
      redisUrl: 'redis://127.0.0.1:1',
      maintenanceIntervalMs: 100,
    });
    const http = request(app.getHttpServer());
    const created = await http.post('/items').send({ name: 'no-cache' }).expect(201);
    expect((await http.get(`/items/${created.body.id}`).expect(200)).body.name).toBe('no-cache');
    let ready = await http.get('/health/ready');
    for (let i = 0; i < 200 && ready.body.details?.['pool:cache']?.status !== 'degraded'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      ready = await http.get('/health/ready');
    }
    expect(ready.status).toBe(200);
    expect(ready.body.details['pool:cache'].status).toBe('degraded');
    expect(ready.body.details['pool:db'].status).toBe('up');
  });
});
