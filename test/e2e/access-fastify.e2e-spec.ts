// AccessModule on Nest's Fastify adapter: the same problems, headers, decisions and audit events as on
// Express (the rest of the e2e suite), with Fastify's request and reply objects.
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Post, type INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import request from 'supertest';
import { rawRequest } from '../chaos/support/raw-http.js';
import { Secret } from '@steward/common';
import {
  AccessModule,
  ApiKeyAuthenticator,
  AuditTrail,
  CurrentPrincipal,
  InMemoryApiKeyStore,
  Public,
  Requires,
  mintApiKey,
  type AuditEvent,
  type AuditRecord,
  type AuditSink,
  type Principal,
} from '@steward/access';

const SCHEMA = `
entity Role;
entity ApiClient in [Role];
entity Shelf;
entity items in [Shelf] { owner: ApiClient };
action "items:read", "items:write" appliesTo { principal: [ApiClient], resource: [items] };`;

const POLICIES = `
@id("readers") permit (principal in Role::"reader", action == Action::"items:read", resource in Shelf::"open");
@id("owners") permit (principal, action == Action::"items:write", resource) when { resource.owner == principal };`;

@Controller()
class ItemsController {
  @Public()
  @Get('open')
  open() {
    return { ok: true };
  }

  @Get('shelves/:shelf/items/:id')
  @Requires('items:read', {
    resource: (req) => ({
      type: 'items',
      id: req.params.id!,
      parents: [{ type: 'Shelf', id: req.params.shelf! }],
    }),
  })
  read(@CurrentPrincipal() principal: Principal) {
    return { reader: principal.id };
  }

  @Post('items/:owner')
  @Requires('items:write', {
    resource: (req) => ({
      type: 'items',
      id: 'i1',
      attributes: { owner: { __entity: { type: 'ApiClient', id: req.params.owner! } } },
    }),
  })
  write() {
    return { written: true };
  }
}

class CapturingSink implements AuditSink {
  readonly name = 'capture';
  readonly records: AuditRecord[] = [];
  async write(records: readonly AuditRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

describe('AccessModule on Fastify', () => {
  let app: INestApplication;
  const sink = new CapturingSink();
  const trail = new AuditTrail({ sinks: [sink], flushIntervalMs: 5 });
  const pepper = new Secret('pepper-for-fastify-e2e-0123456789abcdef', { minLength: 32 });
  const store = new InMemoryApiKeyStore();
  const mint = (clientId: string, roles: string[]) => {
    const minted = mintApiKey({ pepper, clientId, roles });
    store.add(minted.record);
    return minted.key;
  };
  const reader = mint('reporting', ['reader']);
  const owner = mint('kim', []);

  beforeAll(async () => {
    @Module({
      imports: [
        AccessModule.forRoot({
          authenticators: [new ApiKeyAuthenticator({ pepper, store })],
          policy: { policies: POLICIES, schema: SCHEMA },
          audit: trail,
        }),
      ],
      controllers: [ItemsController],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const adapter = new FastifyAdapter();
    app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger: false });
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
    register.clear();
  });

  const server = () => app.getHttpServer();
  const events = async (): Promise<AuditEvent[]> => {
    await trail.flush();
    return sink.records.map((record) => record.event);
  };

  it('answers 401 problem+json with WWW-Authenticate without credentials, and serves public routes', async () => {
    await request(server()).get('/open').expect(200, { ok: true });
    const response = await request(server()).get('/shelves/open/items/i1').expect(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['www-authenticate']).toMatch(/^ApiKey realm="steward"/);
    expect(response.body).toMatchObject({ type: 'about:blank', status: 401, title: 'Unauthorized' });
  });

  it("decides on the route's resource built from Fastify's params: parents and attributes", async () => {
    const auth = (key: string) => ({ Authorization: `ApiKey ${key}` });
    await request(server())
      .get('/shelves/open/items/i1')
      .set(auth(reader))
      .expect(200, { reader: 'client:reporting' });
    const denied = await request(server()).get('/shelves/locked/items/i1').set(auth(reader)).expect(403);
    expect(denied.headers['content-type']).toMatch(/^application\/problem\+json/);
    await request(server()).post('/items/kim').set(auth(owner)).expect(201, { written: true });
    await request(server()).post('/items/someone').set(auth(owner)).expect(403);

    const decisions = (await events()).filter((event) => event.type === 'authz.decision');
    expect(decisions.slice(-4)).toEqual([
      expect.objectContaining({
        decision: 'allow',
        principal: 'client:reporting',
        resource: 'items:i1',
        policyIds: ['readers'],
        // Fastify's route pattern, as Express's on the other adapter.
        route: 'GET /shelves/:shelf/items/:id',
        sourceIp: expect.stringMatching(/127\.0\.0\.1/),
      }),
      expect.objectContaining({ decision: 'deny', reason: 'no-matching-policy', policyIds: [] }),
      expect.objectContaining({ decision: 'allow', principal: 'client:kim', policyIds: ['owners'] }),
      expect.objectContaining({ decision: 'deny', principal: 'client:kim' }),
    ]);
  });

  it('answers 400 to a request with two Authorization headers (Node keeps only the first in headers)', async () => {
    const { port } = app.getHttpServer().address() as AddressInfo;
    const raw = await rawRequest(
      port,
      `GET /shelves/open/items/i1 HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: ApiKey ${reader}\r\nAuthorization: ApiKey ${owner}\r\nConnection: close\r\n\r\n`,
    );
    expect(raw.status).toBe(400);
    expect(raw.head).toMatch(/content-type: application\/problem\+json/i);
    expect(`${raw.head}${raw.body}`).not.toContain(reader);
  });
});
