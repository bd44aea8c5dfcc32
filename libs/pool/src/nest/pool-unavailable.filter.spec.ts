import type { ServerResponse } from 'node:http';
import { Controller, Get, Res, type INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import request from 'supertest';
import type { ResourceFactory } from '../core/interfaces/resource-factory.interface.js';
import type { Pool } from '../core/pool.js';
import { InjectPool } from './inject-pool.decorator.js';
import { PoolUnavailableFilter } from './pool-unavailable.filter.js';
import { PoolModule } from './pool.module.js';

/** A database whose connections can be refused, and whose driver throws "terminated" errors. */
class FlakyFactory implements ResourceFactory<object> {
  refuse = false;
  async create(): Promise<object> {
    if (this.refuse) throw new Error('connect ECONNREFUSED 10.1.2.3:5432');
    return {};
  }
  async destroy(): Promise<void> {}
  isBroken(error: unknown): boolean {
    return (error as { code?: string })?.code === '57P01';
  }
}

@Controller()
class ProbeController {
  constructor(@InjectPool('db') private readonly db: Pool<object>) {}

  @Get('query')
  query() {
    return this.db.use(() => ({ ok: true }));
  }

  @Get('terminated')
  terminated() {
    return this.db.use(() => {
      throw Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      });
    });
  }

  @Get('partial')
  async partial(@Res() reply: { raw?: ServerResponse } & ServerResponse) {
    const response = reply.raw ?? reply; // Express hands the Node response, Fastify its reply
    response.writeHead(200);
    response.write('partial');
    await this.db.use(() => {
      throw Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      });
    });
  }

  @Get('bug')
  bug() {
    return this.db.use(() => {
      throw new Error('a bug in the handler');
    });
  }
}

describe.each([
  ['Express', (): FastifyAdapter | undefined => undefined],
  ['Fastify', () => new FastifyAdapter()],
] as const)('PoolUnavailableFilter on %s', (_name, adapter) => {
  let app: INestApplication;
  const factory = new FlakyFactory();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'db', factory, max: 1, acquireTimeoutMs: 50, warmUp: false })],
      controllers: [ProbeController],
      providers: [{ provide: APP_FILTER, useClass: PoolUnavailableFilter }],
    }).compile();
    const httpAdapter = adapter();
    app = httpAdapter
      ? moduleRef.createNestApplication<NestFastifyApplication>(httpAdapter, { logger: false })
      : moduleRef.createNestApplication({ logger: false });
    await app.init();
    if (httpAdapter) await httpAdapter.getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
    register.clear();
  });

  const expectUnavailable = (response: request.Response): void => {
    expect(response.status).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'A backing resource is unavailable right now; retry shortly.',
    });
    expect(response.text).not.toMatch(/10\.1\.2\.3|ECONNREFUSED|administrator|at /);
  };

  it('leaves other errors to Nest (500, no details)', async () => {
    const response = await request(app.getHttpServer()).get('/bug').expect(500);
    expect(response.body).toEqual({ statusCode: 500, message: 'Internal server error' });
  });

  it('answers 503 problem+json when a connection the factory calls broken dies under a request', async () => {
    expectUnavailable(await request(app.getHttpServer()).get('/terminated'));
  });

  it('ends a response whose headers were already sent instead of leaving the client waiting', async () => {
    const response = await request(app.getHttpServer()).get('/partial');
    expect([response.status, response.text]).toEqual([200, 'partial']);
  });

  it('answers 503 problem+json when the pool cannot give a resource in time', async () => {
    // The broken connection above was destroyed, so this acquire must create and is refused until the timeout.
    factory.refuse = true;
    expectUnavailable(await request(app.getHttpServer()).get('/query'));
  });
});
