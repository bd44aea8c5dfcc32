import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import request from 'supertest';
import {
  AccessModule,
  AccessService,
  ApiKeyAuthenticator,
  AuditTrail,
  InMemoryApiKeyStore,
  mintApiKey,
  type AuditRecord,
  type AuditSink,
} from '@steward/access';
import { Secret } from '@steward/common';
import { getPoolToken, Pool, PoolHealthIndicator, PoolModule, type ResourceFactory } from '@steward/pool';
import { POOL_ADMIN_ACTIONS, PoolAdminController } from '@steward/pool/admin';

const factory = (): ResourceFactory<{ id: number }> => {
  let next = 0;
  return { create: async () => ({ id: ++next }), destroy: async () => undefined };
};

// The controller's behaviour on its own; who may call it is the access guard's business (access e2e).
describe('PoolAdminController (e2e)', () => {
  let app: INestApplication;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ name: 'db', factory: factory(), min: 2, max: 4 }),
        PoolModule.forRoot({ name: 'cache', factory: factory(), max: 2 }),
      ],
      controllers: [PoolAdminController],
      // Privileged routes carry the access lib's audit interceptor; without AccessGuard's request state it
      // passes through, but it still needs an AccessService to be built.
      providers: [{ provide: AccessService, useValue: {} }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterEach(async () => {
    await app?.close();
    register.clear();
  });

  it('lists every pool and shows one, 404 for an unknown name', async () => {
    const http = request(app.getHttpServer());
    const list = await http.get('/admin/pools').expect(200);
    expect(list.body.map((s: { name: string }) => s.name)).toEqual(['db', 'cache']);
    expect((await http.get('/admin/pools/db').expect(200)).body).toMatchObject({
      name: 'db',
      size: 2,
      idle: 2,
    });
    await http.get('/admin/pools/nope').expect(404);
  });

  it('resizes at runtime and answers 400 for a bad body or bounds', async () => {
    const http = request(app.getHttpServer());
    const resized = await http.post('/admin/pools/db/resize').send({ min: 1, max: 8 }).expect(200);
    expect(resized.body).toMatchObject({ min: 1, max: 8 });
    expect(app.get<Pool<unknown>>(getPoolToken('db')).stats().max).toBe(8);
    await http.post('/admin/pools/db/resize').send({ min: 5, max: 2 }).expect(400);
    await http.post('/admin/pools/db/resize').send({ min: 'x', max: 2 }).expect(400);
    await http.post('/admin/pools/db/resize').send({ min: 1, max: 2, extra: true }).expect(400);
    expect(app.get<Pool<unknown>>(getPoolToken('db')).stats().max).toBe(8);
  });

  it('reset replaces idle resources; drain closes the pool', async () => {
    const http = request(app.getHttpServer());
    const pool = app.get<Pool<unknown>>(getPoolToken('db'));
    await http.post('/admin/pools/db/reset').expect(200);
    expect(pool.stats().destroyedTotal).toBe(2);
    await http.post('/admin/pools/db/drain').expect(202);
    // Generous bound: the loop ends as soon as the pool closes; a loaded machine may need seconds.
    for (let i = 0; i < 500 && !pool.closed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(pool.closed).toBe(true);
    await expect(pool.acquire()).rejects.toThrow();
    expect((await http.get('/admin/pools/db').expect(200)).body.closed).toBe(true);
    await http.post('/admin/pools/db/resize').send({ min: 1, max: 2 }).expect(409);
  });

  it('issue 12 finding 9: a drained pool reads not ready and why, and resume serves again through the same injected pool', async () => {
    const http = request(app.getHttpServer());
    const pool = app.get<Pool<{ id: number }>>(getPoolToken('db'));
    const health = app.get(PoolHealthIndicator);
    // Resume is for a drained pool only.
    await http.post('/admin/pools/db/resume').expect(409);

    const lease = await pool.acquire();
    await http.post('/admin/pools/db/drain').expect(202);
    expect((await health.check('db'))['pool:db']).toMatchObject({
      status: 'down',
      reason: 'being drained by an operator: no new acquires',
    });
    // Still draining: the lease is out.
    await http.post('/admin/pools/db/resume').expect(409);
    lease.release();
    for (let i = 0; i < 500 && !pool.closed; i++) await new Promise((r) => setTimeout(r, 10));
    expect((await health.check('db'))['pool:db']).toMatchObject({
      status: 'down',
      reason: expect.stringMatching(/^drained by an operator; resume it/),
    });

    const resumed = await http.post('/admin/pools/db/resume').expect(200);
    expect(resumed.body).toMatchObject({ name: 'db', closed: false });
    // The object every provider injected serves again.
    expect(pool.closed).toBe(false);
    expect(await pool.use((conn) => typeof conn.id)).toBe('number');
    expect((await health.check('db'))['pool:db'].status).toBe('up');
    for (let i = 0; i < 500 && pool.stats().size < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(pool.stats().size).toBe(2);
  });

  it('issue 12 finding 9: reset on a closed pool answers 409, not a 200 for a reset that did nothing', async () => {
    const http = request(app.getHttpServer());
    const pool = app.get<Pool<unknown>>(getPoolToken('cache'));
    await pool.close();
    const reply = await http.post('/admin/pools/cache/reset').expect(409);
    expect(reply.body.message).toBe('pool is closed: nothing to reset (resume it first)');
  });
});

describe('PoolAdminController behind the access guard (e2e)', () => {
  /** Keeps every audit record. */
  class CapturingSink implements AuditSink {
    readonly name = 'capture';
    readonly records: AuditRecord[] = [];
    async write(records: readonly AuditRecord[]): Promise<void> {
      this.records.push(...records);
    }
  }

  it('issue 12 finding 9: a reset on a closed pool is audited as failed (409), not as completed', async () => {
    const pepper = new Secret('p'.repeat(32), { minLength: 32 });
    const store = new InMemoryApiKeyStore();
    const admin = mintApiKey({ pepper, clientId: 'ops', roles: ['admin'] });
    store.add(admin.record);
    const sink = new CapturingSink();
    const trail = new AuditTrail({ sinks: [sink], flushIntervalMs: 5 });
    const moduleRef = await Test.createTestingModule({
      imports: [
        AccessModule.forRoot({
          authenticators: [new ApiKeyAuthenticator({ pepper, store })],
          policy: {
            schema: `entity Role; entity ApiClient in [Role]; entity pool; action pools;
              action ${POOL_ADMIN_ACTIONS.map((a) => JSON.stringify(a)).join(', ')} in [pools]
                appliesTo { principal: [ApiClient], resource: [pool] };`,
            policies:
              '@id("admins") permit (principal in Role::"admin", action in Action::"pools", resource);',
          },
          audit: trail,
        }),
        PoolModule.forRoot({ name: 'db', factory: factory(), min: 1 }),
      ],
      controllers: [PoolAdminController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const http = request(app.getHttpServer());
      await app.get<Pool<unknown>>(getPoolToken('db')).close();
      await http.post('/admin/pools/db/reset').set('x-api-key', admin.key).expect(409);
      // Privileged events are stored durably before the answer goes out.
      const phases = sink.records
        .map((r) => r.event as { type?: string; action?: string; phase?: string; status?: number })
        .filter((e) => e.type === 'privileged' && e.action === 'pool:reset')
        .map((e) => [e.phase, e.status]);
      expect(phases).toEqual([
        ['requested', undefined],
        ['failed', 409],
      ]);
    } finally {
      await app.close();
      await trail.close();
    }
  });
});
