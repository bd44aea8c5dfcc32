import {
  Controller,
  Get,
  HttpException,
  Module,
  Param,
  ParseIntPipe,
  Post,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { register } from 'prom-client';
import request from 'supertest';
import { rawRequest } from '../chaos/support/raw-http.js';
import { InvalidOptionsError, Secret } from '@steward/common';
import {
  AccessGuard,
  AccessService,
  AccessModule,
  ApiKeyAuthenticator,
  AuditTrail,
  CurrentPrincipal,
  InMemoryApiKeyStore,
  Public,
  Requires,
  UpstreamPrincipalAuthenticator,
  apiKeys,
  mintApiKey,
  type AccessModuleOptions,
  type AuditRecord,
  type AuditSink,
  type Principal,
} from '@steward/access';
import { JwtAuthenticator } from '@steward/access/jwt';

const PEPPER = 'pepper-for-e2e-tests-0123456789abcdef';
const JWT_SECRET = 'jwt-hmac-secret-for-e2e-tests-0123456789';
const ISSUER = 'https://issuer.e2e';
const AUDIENCE = 'steward-e2e';

@Controller()
class TestController {
  @Public()
  @Get('public')
  open() {
    return { ok: true };
  }

  @Get('items')
  @Requires('items:read')
  items(@CurrentPrincipal() principal: Principal) {
    return { principal: principal.id };
  }

  @Post('admin/pools/:name/drain')
  @Requires('pool:drain', { resource: (req) => ({ type: 'pool', id: req.params!.name! }), privileged: true })
  drain() {
    return { drained: true };
  }

  @Post('admin/pools/:name/explode')
  @Requires('pool:drain', { resource: (req) => ({ type: 'pool', id: req.params!.name! }), privileged: true })
  explode() {
    throw new HttpException('pool refused', 409);
  }

  @Post('admin/pools/:name/resize')
  @Requires('pool:resize', { resource: (req) => ({ type: 'pool', id: req.params!.name! }) })
  resize() {
    return { resized: true };
  }

  @Get('resource-error')
  @Requires('items:read', {
    resource: () => {
      throw new Error('cannot derive');
    },
  })
  resourceError() {
    return {};
  }

  @Public()
  @Get('numbers/:n')
  number(@Param('n', ParseIntPipe) n: number) {
    return { n };
  }

  @Get('forgotten')
  forgotten() {
    return { leaked: true };
  }

  @Get('typo')
  @Requires('items:raed')
  typo() {
    return { leaked: true };
  }
}

/** The schema of the test app's policies: who calls, what the routes guard, which actions exist. */
const SCHEMA = `
entity Role;
entity ApiClient in [Role];
entity User in [Role];
entity Upstream in [Role];
entity pool, items;
action pools;
action "pool:drain", "pool:resize" in [pools] appliesTo { principal: [ApiClient, User, Upstream], resource: [pool] };
action "items:read" appliesTo { principal: [ApiClient, User, Upstream], resource: [items] };
`;

const READERS_ITEMS = `@id("readers-items")
permit (principal, action == Action::"items:read", resource)
when { principal in [Role::"reader", Role::"admin"] };`;

const WITHOUT_READERS = `@id("admins-pools")
permit (principal in Role::"admin", action in Action::"pools", resource);

@id("no-drain-primary")
forbid (principal, action == Action::"pool:drain", resource == pool::"primary");

@id("ops-resizes")
permit (principal == ApiClient::"ops-admin", action == Action::"pool:resize", resource);`;

/** The test app's Cedar policies. */
const POLICIES = `${READERS_ITEMS}\n\n${WITHOUT_READERS}`;

/** Policy options for AccessModule: Cedar policies validated against SCHEMA. */
const cedar = (policies: string) => ({ policies, schema: SCHEMA });

/** Captures every audit record and can be told to fail. */
class CapturingSink implements AuditSink {
  readonly name = 'capture';
  readonly records: AuditRecord[] = [];
  failing = false;
  async write(records: readonly AuditRecord[]): Promise<void> {
    if (this.failing) throw new Error('disk full');
    this.records.push(...records);
  }
}

/** A Nest logger that keeps every line. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown, ...rest: unknown[]) {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  error = this.log;
  warn = this.log;
  debug = this.log;
  verbose = this.log;
  fatal = this.log;
}

interface TestApp {
  app: INestApplication;
  url: string;
  keys: { admin: string; reader: string; revoked: string; expired: string; adminRecordKeyId: string };
  sink: CapturingSink;
  trail: AuditTrail;
  logger: CapturingLogger;
  store: InMemoryApiKeyStore;
}

/** A small app: API keys, HS256 JWTs and upstream principals, the real policy engine and audit trail. */
async function createAccessApp(overrides: Partial<AccessModuleOptions> = {}): Promise<TestApp> {
  const pepper = new Secret(PEPPER, { minLength: 32 });
  const now = Date.now();
  const store = new InMemoryApiKeyStore();
  const mint = (clientId: string, roles: string[], dates: { now?: Date; expiresAt?: Date } = {}) => {
    const minted = mintApiKey({ pepper, clientId, roles, ...dates });
    store.add(minted.record);
    return minted;
  };
  const admin = mint('ops-admin', ['admin']);
  const reader = mint('reporting', ['reader']);
  const revoked = mint('former', ['admin']);
  store.revoke(revoked.record.keyId);
  const expired = mint('temp', ['admin'], {
    now: new Date(now - 7_200_000),
    expiresAt: new Date(now - 3_600_000),
  });

  const sink = new CapturingSink();
  const trail = new AuditTrail({ sinks: [sink], flushIntervalMs: 5 });
  const logger = new CapturingLogger();
  const access: DynamicModule = AccessModule.forRoot({
    authenticators: [
      new ApiKeyAuthenticator({ pepper, store }),
      new JwtAuthenticator({
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        key: new Secret(JWT_SECRET),
      }),
      new UpstreamPrincipalAuthenticator(),
    ],
    policy: cedar(POLICIES),
    audit: trail,
    throttle: { maxFailures: 1_000, sourceMaxFailures: 1_000 },
    ...overrides,
  });

  @Module({
    imports: [access],
    controllers: [TestController],
  })
  class AppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger });
  // Lets a test play many clients through X-Forwarded-For, as behind a load balancer.
  app.set('trust proxy', true);
  // Plays an upstream auth layer (e.g. Passport) that leaves its user on the request.
  app.use((req: { headers: Record<string, unknown>; user?: unknown }, _res: unknown, next: () => void) => {
    const upstream = req.headers['x-test-upstream-user'];
    if (typeof upstream === 'string') req.user = JSON.parse(upstream);
    next();
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    keys: {
      admin: admin.key,
      reader: reader.key,
      revoked: revoked.key,
      expired: expired.key,
      adminRecordKeyId: admin.record.keyId,
    },
    sink,
    trail,
    logger,
    store,
  };
}

// ---------------------------------------------------------------------------------------------------

const hmacKey = new TextEncoder().encode(JWT_SECRET);
function jwt(
  claims: Record<string, unknown> = {},
  change: (j: SignJWT) => SignJWT = (j) => j,
  key = hmacKey,
) {
  return change(
    new SignJWT({ roles: ['reader'], ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('jane')
      .setIssuedAt()
      .setExpirationTime('5m'),
  ).sign(key);
}

const PROBLEM_401 = {
  type: 'about:blank',
  title: 'Unauthorized',
  status: 401,
  detail: 'Valid credentials are required.',
};

describe('access (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createAccessApp();
  });

  afterAll(async () => {
    await t?.app.close();
    register.clear();
  });

  const events = async () => {
    await t.trail.flush();
    return t.sink.records.map((r) => r.event);
  };

  it('lets @Public() routes through without credentials', async () => {
    await request(t.url).get('/public').expect(200, { ok: true });
  });

  it('answers 401 with WWW-Authenticate and problem+json when credentials are missing', async () => {
    const res = await request(t.url).get('/items').expect(401);
    expect(res.headers['www-authenticate']).toBe('ApiKey realm="steward", Bearer realm="steward"');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual(PROBLEM_401);
  });

  it('answers 403 (no WWW-Authenticate) when the principal lacks the right', async () => {
    const res = await request(t.url)
      .post('/admin/pools/replica/drain')
      .set('X-API-Key', t.keys.reader)
      .expect(403);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'You are not allowed to perform this action.',
    });
  });

  it('allows what the policies permit, by API key (header or Bearer), JWT or upstream principal', async () => {
    await request(t.url)
      .get('/items')
      .set('X-API-Key', t.keys.reader)
      .expect(200, { principal: 'client:reporting' });
    await request(t.url)
      .get('/items')
      .set('Authorization', `ApiKey ${t.keys.admin}`)
      .expect(200, { principal: 'client:ops-admin' });
    await request(t.url).get('/items').set('Authorization', `Bearer ${t.keys.reader}`).expect(200);
    await request(t.url)
      .get('/items')
      .set('Authorization', `Bearer ${await jwt()}`)
      .expect(200, { principal: 'jwt:jane' });
  });

  it('keeps principals of different authenticators apart: a JWT sub equal to a client id is not that client (finding 5)', async () => {
    const impostor = await jwt({ roles: [] }, (j) => j.setSubject('ops-admin'));
    const spoofed = await jwt({ roles: [] }, (j) => j.setSubject('client:ops-admin'));
    for (const token of [impostor, spoofed]) {
      await request(t.url).post('/admin/pools/db/resize').set('Authorization', `Bearer ${token}`).expect(403);
    }
    await request(t.url)
      .post('/admin/pools/db/resize')
      .set('X-API-Key', t.keys.admin)
      .set('X-Request-Id', 'req-ns')
      .expect(201);
    const resizes = (await events()).filter((e) => e.action === 'pool:resize');
    expect(resizes.map((e) => [e.principal, e.authMethod, e.decision])).toEqual([
      ['jwt:ops-admin', 'jwt', 'deny'],
      ['jwt:client:ops-admin', 'jwt', 'deny'],
      ['client:ops-admin', 'api-key', 'allow'],
    ]);
  });

  it('answers every error as problem+json, access or not, with no log line per denial (finding 12)', async () => {
    const before = t.logger.lines.length;
    for (let i = 0; i < 10; i++) await request(t.url).get('/items').expect(401);
    const cases: [string, number][] = [
      ['/nope', 404],
      ['/numbers/abc', 400],
      ['/items', 401],
      ['/forgotten', 403],
    ];
    for (const [path, status] of cases) {
      const res = await request(t.url)
        .get(path)
        .set('X-API-Key', path === '/forgotten' ? t.keys.reader : '');
      expect([path, res.status, res.headers['content-type']]).toEqual([
        path,
        status,
        'application/problem+json',
      ]);
      expect(res.body).toMatchObject({ type: 'about:blank', status, title: expect.any(String) });
    }
    expect(t.logger.lines.slice(before).filter((l) => /content-type|warn/i.test(l))).toEqual([]);
  });

  it('lets forbid beat permit on a guarded route', async () => {
    await request(t.url).post('/admin/pools/primary/drain').set('X-API-Key', t.keys.admin).expect(403);
    const decision = (await events()).findLast(
      (e) => e.type === 'authz.decision' && e.resource === 'pool:primary',
    );
    expect(decision).toMatchObject({
      decision: 'deny',
      reason: 'forbidden',
      policyIds: ['no-drain-primary'],
    });
  });

  it('sends the same body for unknown, revoked, expired, malformed and forged keys', async () => {
    const unknown = mintApiKey({ pepper: new Secret(PEPPER), clientId: 'ghost' }).key;
    const forged = t.keys.admin.slice(0, -2) + (t.keys.admin.endsWith('AA') ? 'BB' : 'AA');
    const bodies: unknown[] = [];
    for (const key of [unknown, t.keys.revoked, t.keys.expired, 'stw_garbage', 'not-a-key', forged]) {
      const res = await request(t.url).get('/items').set('X-API-Key', key).expect(401);
      expect(res.headers['www-authenticate']).toContain('ApiKey realm="steward"');
      bodies.push(res.text);
    }
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0] as string)).toEqual(PROBLEM_401);
    const reasons = (await events()).filter((e) => e.type === 'authn.failure').map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'unknown-key via api-key',
        'revoked via api-key',
        'expired via api-key',
        'malformed via api-key',
        'invalid-key via api-key',
      ]),
    );
  });

  it('answers 401 for expired, wrong-audience, alg:none and wrongly signed JWTs', async () => {
    const expired = await jwt({}, (j) => j.setExpirationTime(Math.floor(Date.now() / 1000) - 120));
    const wrongAudience = await jwt({}, (j) => j.setAudience('someone-else'));
    const good = await jwt({ roles: ['admin'] });
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const algNone = `${header}.${good.split('.')[1]}.`;
    const wrongKey = await jwt(
      { roles: ['admin'] },
      (j) => j,
      new TextEncoder().encode('another-secret-of-enough-length-0123456789'),
    );
    const bodies = new Set<string>();
    for (const token of [expired, wrongAudience, algNone, wrongKey]) {
      const res = await request(t.url).get('/items').set('Authorization', `Bearer ${token}`).expect(401);
      expect(res.headers['www-authenticate']).toContain('Bearer realm="steward"');
      bodies.add(res.text);
    }
    expect(bodies.size).toBe(1);
  });

  it('refuses credentials in the query string with 400 problem+json, even valid ones', async () => {
    for (const query of [`api_key=${t.keys.admin}`, 'access_token=abc', 'token=x', 'page=1&Api_Key=y']) {
      const res = await request(t.url).get(`/items?${query}`).set('X-API-Key', t.keys.admin).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, title: 'Bad Request' });
      expect(res.text).not.toContain(t.keys.admin);
    }
    await request(t.url).get('/public?token=reset-link').expect(200);
  });

  it('denies an unannotated guarded route (403) and reported it once at startup', async () => {
    await request(t.url).get('/forgotten').set('X-API-Key', t.keys.admin).expect(403);
    await request(t.url).get('/forgotten').expect(403);
    const service = t.app.get(AccessService);
    expect(service.unannotatedRoutes).toEqual(['GET /forgotten (TestController.forgotten)']);
    const reports = t.logger.lines.filter((l) => l.includes('neither @Public() nor @Requires()'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('GET /forgotten');
  });

  it('warns once at startup about a route whose action the schema lacks, and denies it', async () => {
    await request(t.url).get('/typo').set('X-API-Key', t.keys.admin).expect(403);
    const reports = t.logger.lines.filter((l) => l.includes('the policy schema does not declare'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain('GET /typo (TestController.typo): items:raed');
    expect(reports[0]).not.toContain('items:read');
    // The audit event says why the engine refused the request.
    await t.trail.flush();
    const events = t.sink.records.map((r) => r.event).filter((e) => e.action === 'items:raed');
    expect(events).toEqual([
      expect.objectContaining({
        decision: 'deny',
        reason: 'evaluation-error',
        requestError: 'action items:raed is not in the schema',
      }),
    ]);
  });

  it('denies, not 500s, when the resource cannot be derived from the request', async () => {
    await request(t.url).get('/resource-error').set('X-API-Key', t.keys.admin).expect(403);
  });

  it('audits a privileged action as requested then completed, durably', async () => {
    await request(t.url)
      .post('/admin/pools/replica/drain')
      .set('X-API-Key', t.keys.admin)
      .set('X-Request-Id', 'req-42')
      .expect(201);
    const mine = (await events()).filter((e) => e.requestId === 'req-42');
    expect(mine.map((e) => [e.type, e.phase ?? e.decision])).toEqual([
      ['authz.decision', 'allow'],
      ['privileged', 'requested'],
      ['privileged', 'completed'],
    ]);
    expect(mine[2]).toMatchObject({
      principal: 'client:ops-admin',
      action: 'pool:drain',
      resource: 'pool:replica',
      route: 'POST /admin/pools/:name/drain',
      status: 201,
      sourceIp: expect.stringContaining('127.0.0.1'),
    });
  });

  it('audits a failing privileged action as failed and keeps the handler error', async () => {
    await request(t.url)
      .post('/admin/pools/replica/explode')
      .set('X-API-Key', t.keys.admin)
      .set('X-Request-Id', 'req-43')
      .expect(409);
    const phases = (await events())
      .filter((e) => e.requestId === 'req-43' && e.type === 'privileged')
      .map((e) => [e.phase, e.status]);
    expect(phases).toEqual([
      ['requested', undefined],
      ['failed', 409],
    ]);
  });

  it('fails a privileged action closed with 503 when the audit write fails, without running it', async () => {
    t.sink.failing = true;
    try {
      const res = await request(t.url)
        .post('/admin/pools/replica/drain')
        .set('X-API-Key', t.keys.admin)
        .expect(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
      expect(res.text).not.toContain('drained');
    } finally {
      t.sink.failing = false;
    }
  });

  it('audits policy reloads and serves the new set atomically', async () => {
    const service = t.app.get(AccessService);
    await request(t.url).get('/items').set('X-API-Key', t.keys.reader).expect(200);
    const { version } = service.reloadPolicies(cedar(WITHOUT_READERS));
    await request(t.url).get('/items').set('X-API-Key', t.keys.reader).expect(403);
    expect(() =>
      service.reloadPolicies(cedar('permit (principal, action == Action::"nope:nope", resource);')),
    ).toThrow();
    service.reloadPolicies(cedar(POLICIES));
    await request(t.url).get('/items').set('X-API-Key', t.keys.reader).expect(200);
    const reloads = (await events()).filter((e) => e.type === 'policy.reload');
    expect(reloads.map((e) => e.decision)).toEqual(['allow', 'deny', 'allow']);
    expect(reloads[0]!.reason).toContain(version.slice(0, 12));
  });

  it('counts attempts and decisions in Prometheus without ids, keys or IPs in labels', async () => {
    const text = await register.metrics();
    expect(text).toMatch(/steward_authn_attempts_total\{method="api-key",result="success"\} \d+/);
    expect(text).toMatch(/steward_authn_attempts_total\{method="api-key",result="failure"\} \d+/);
    expect(text).toMatch(
      /steward_authz_decisions_total\{action="pool:drain",resource_type="pool",decision="deny"\} \d+/,
    );
    expect(text).toMatch(/steward_authz_evaluation_seconds_count \d+/);
    expect(text).toMatch(/steward_audit_events_total\{sink="capture",result="written"\} \d+/);
    expect(text).toMatch(/steward_audit_events_total\{sink="capture",result="failed"\} \d+/);
    for (const forbidden of ['ops-admin', 'replica', '127.0.0.1', t.keys.adminRecordKeyId])
      expect(text).not.toContain(forbidden);
  });

  it('never writes a key, token, pepper or JWT secret to a log line, audit event or response', async () => {
    const token = await jwt({ roles: ['admin'] });
    const bad = await jwt({}, (j) => j.setAudience('x'));
    const responses: string[] = [];
    for (const headers of [
      { 'X-API-Key': t.keys.admin },
      { 'X-API-Key': t.keys.revoked },
      { Authorization: `Bearer ${token}` },
      { Authorization: `Bearer ${bad}` },
      { Authorization: `Basic ${Buffer.from(`u:${PEPPER}`).toString('base64')}` },
    ]) {
      const res = await request(t.url).post('/admin/pools/replica/drain').set(headers);
      responses.push(JSON.stringify(res.headers) + res.text);
    }
    responses.push((await request(t.url).get(`/items?api_key=${t.keys.admin}`)).text);
    const captured = [
      ...t.logger.lines,
      ...responses,
      ...(await events()).map((e) => JSON.stringify(e)),
      await register.metrics(),
    ].join('\n');
    const secrets = [
      PEPPER,
      JWT_SECRET,
      token,
      bad,
      ...Object.values(t.keys)
        .filter((k) => k.startsWith('stw_'))
        .map((k) => k.slice(16)),
    ];
    for (const secret of secrets) expect(captured).not.toContain(secret);
    expect(t.sink.records.length).toBeGreaterThan(10);
  });

  it('never answers 500 to random malformed credentials and headers', async () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 200,
    });
    const header = fc.oneof(
      printable.map((v) => ['Authorization', v] as const),
      printable.map((v) => ['Authorization', `Bearer ${v}`] as const),
      printable.map((v) => ['Authorization', `ApiKey stw_${v}`] as const),
      printable.map((v) => ['X-API-Key', v] as const),
      fc
        .tuple(fc.constantFrom('a', 'b'), printable)
        .map(([a, v]) => ['Authorization', `Bearer ${a}.${v}.${v}`] as const),
      fc.constant(['Authorization', `Bearer ${t.keys.admin}x`] as const),
    );
    const path = fc.constantFrom(
      '/items',
      '/admin/pools/replica/drain',
      '/forgotten',
      '/resource-error',
      '/items?x=%ZZ',
      '/items?token',
    );
    await fc.assert(
      fc.asyncProperty(path, fc.array(header, { maxLength: 3 }), async (url, headers) => {
        let req = url.startsWith('/admin') ? request(t.url).post(url) : request(t.url).get(url);
        for (const [name, value] of headers) req = req.set(name, value);
        const res = await req;
        expect(res.status).toBeLessThan(500);
        expect([200, 201, 400, 401, 403, 429]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
  });
});

describe('access throttling (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createAccessApp({
      throttle: { maxFailures: 3, sourceMaxFailures: 3, windowMs: 60_000, lockoutMs: 120_000 },
    });
  });

  afterAll(async () => {
    await t?.app.close();
    register.clear();
  });

  const from = (ip: string) => ({ 'X-Forwarded-For': ip });

  it('throttles the failures of a source after N: 429 with Retry-After, while valid keys from it still pass', async () => {
    for (let i = 0; i < 3; i++) {
      await request(t.url).get('/items').set(from('10.0.0.1')).set('X-API-Key', 'stw_wrong').expect(401);
    }
    const res = await request(t.url)
      .get('/items')
      .set(from('10.0.0.1'))
      .set('X-API-Key', 'stw_wrong')
      .expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(100);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(120);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail: 'Too many failed authentication attempts; retry later.',
    });
    // Everyone behind that address with a valid key is still served.
    await request(t.url).get('/items').set(from('10.0.0.1')).set('X-API-Key', t.keys.reader).expect(200);
    await request(t.url).get('/items').set(from('10.0.0.2')).set('X-API-Key', 'stw_wrong').expect(401);
    await request(t.url).get('/public').set(from('10.0.0.1')).expect(200);
    expect(await register.metrics()).toMatch(/steward_lockouts_total\{scope="source"\} 1/);
    const throttled = (await t.trail.flush(), t.sink.records.map((r) => r.event)).filter(
      (e) => e.status === 429,
    );
    expect(throttled).toEqual([
      expect.objectContaining({ type: 'authn.failure', reason: 'throttled: source', sourceIp: '10.0.0.1' }),
    ]);
  });

  it('counts requests without credentials towards their source, auditing none of them one by one', async () => {
    const before = (await t.trail.flush(), t.sink.records.length);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await request(t.url).get('/items').set(from('10.0.1.1'))).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    await request(t.url).get('/items').set(from('10.0.1.1')).set('X-API-Key', t.keys.reader).expect(200);
    await t.trail.flush();
    expect(t.sink.records.slice(before).map((r) => r.event.reason)).toEqual([
      'throttled: source',
      'permitted',
    ]);
  });

  it('throttles a key id from the guessing source only: the owner elsewhere is served, the guesser learns nothing', async () => {
    const forged = t.keys.admin.slice(0, -1) + (t.keys.admin.endsWith('A') ? 'B' : 'A');
    for (let i = 0; i < 3; i++) {
      await request(t.url).get('/items').set(from('10.0.2.1')).set('X-API-Key', forged).expect(401);
    }
    const wrong = await request(t.url).get('/items').set(from('10.0.2.1')).set('X-API-Key', forged);
    const right = await request(t.url).get('/items').set(from('10.0.2.1')).set('X-API-Key', t.keys.admin);
    expect([wrong.status, right.status]).toEqual([429, 429]);
    expect(right.body).toEqual(wrong.body);
    await request(t.url).get('/items').set(from('10.0.2.99')).set('X-API-Key', t.keys.admin).expect(200);
    expect(await register.metrics()).toMatch(/steward_lockouts_total\{scope="key"\} 1/);
  });

  it('answers 400 to a request with two Authorization headers', async () => {
    const { port } = new URL(t.url);
    const raw = await rawRequest(
      Number(port),
      `GET /items HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.3.1\r\n` +
        `Authorization: ApiKey ${t.keys.reader}\r\nAuthorization: ApiKey ${t.keys.admin}\r\nConnection: close\r\n\r\n`,
    );
    expect(raw.status).toBe(400);
    expect(raw.head).toMatch(/content-type: application\/problem\+json/i);
    expect(`${raw.head}${raw.body}`).not.toContain(t.keys.reader);
  });
});

describe('AccessModule configuration (e2e)', () => {
  afterEach(() => register.clear());

  it('builds from forRootAsync with injected configuration', async () => {
    @Module({ providers: [{ provide: 'PEPPER', useValue: PEPPER }], exports: ['PEPPER'] })
    class ConfigModule {}
    const store = new InMemoryApiKeyStore();
    const pepper = new Secret(PEPPER);
    const { key, record } = mintApiKey({ pepper, clientId: 'async', roles: ['reader'] });
    store.add(record);

    @Module({
      imports: [
        AccessModule.forRootAsync({
          imports: [ConfigModule],
          inject: ['PEPPER'],
          useFactory: async (raw: string) => ({
            authenticators: [apiKeys({ pepper: new Secret(raw, { minLength: 32 }), store })],
            policy: cedar(READERS_ITEMS),
            realm: 'async',
          }),
        }),
      ],
      controllers: [TestController],
    })
    class AsyncApp {}
    const moduleRef = await Test.createTestingModule({ imports: [AsyncApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      await request(app.getHttpServer())
        .get('/items')
        .set('X-API-Key', key)
        .expect(200, { principal: 'client:async' });
      const res = await request(app.getHttpServer()).get('/items').expect(401);
      expect(res.headers['www-authenticate']).toBe('ApiKey realm="async"');
    } finally {
      await app.close();
    }
  });

  it('answers 503, never 500, when an authenticator throws', async () => {
    @Module({
      imports: [
        AccessModule.forRoot({
          authenticators: [
            {
              method: 'flaky',
              scheme: 'Bearer',
              authenticate: () => Promise.reject(new Error(`db down for ${PEPPER}`)),
            },
          ],
          policy: cedar(READERS_ITEMS),
        }),
      ],
      controllers: [TestController],
    })
    class FlakyApp {}
    const moduleRef = await Test.createTestingModule({ imports: [FlakyApp] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const res = await request(app.getHttpServer())
        .get('/items')
        .set('Authorization', 'Bearer x.y.z')
        .expect(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.text).not.toContain(PEPPER);
    } finally {
      await app.close();
    }
  });

  const pepper = new Secret(PEPPER);
  const minimal = (extra: { globalGuard?: boolean } = {}) =>
    AccessModule.forRoot({
      authenticators: [apiKeys({ pepper, store: new InMemoryApiKeyStore() })],
      policy: cedar(POLICIES),
      ...extra,
    });

  it('protects every route once AccessModule is imported: no APP_GUARD line to forget (finding 3)', async () => {
    @Module({ imports: [minimal()], controllers: [TestController] })
    class ForgetfulApp {}
    const logger = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({ imports: [ForgetfulApp] }).compile();
    const app = moduleRef.createNestApplication({ logger });
    await app.init();
    try {
      const server = app.getHttpServer();
      await request(server).post('/admin/pools/db/drain').expect(401);
      await request(server).get('/items').expect(401);
      await request(server).get('/forgotten').expect(403);
      await request(server).get('/public').expect(200);
      // The startup report says what is true: privileged routes without a trail fail closed.
      expect(logger.lines.join('\n')).toMatch(
        /privileged route\(s\) but no audit trail configured; they fail closed/,
      );
      expect(logger.lines.join('\n')).not.toMatch(/not the global guard/);
    } finally {
      await app.close();
    }
  });

  it('leaves the guard to the app with globalGuard: false, and says so at startup', async () => {
    @Module({
      imports: [minimal({ globalGuard: false })],
      controllers: [TestController],
      providers: [{ provide: APP_GUARD, useClass: AccessGuard }],
    })
    class OrderedApp {}
    @Module({ imports: [minimal({ globalGuard: false })], controllers: [TestController] })
    class UnguardedApp {}
    for (const [App, status] of [
      [OrderedApp, 403],
      [UnguardedApp, 200],
    ] as const) {
      const logger = new CapturingLogger();
      const moduleRef = await Test.createTestingModule({ imports: [App] }).compile();
      const app = moduleRef.createNestApplication({ logger });
      await app.init();
      try {
        await request(app.getHttpServer()).get('/forgotten').expect(status);
        expect(logger.lines.join('\n')).toMatch(/AccessGuard is not the global guard/);
        expect(logger.lines.join('\n')).toMatch(/where AccessGuard applies, they fail closed/);
      } finally {
        await app.close();
        register.clear();
      }
    }
  });

  it('rejects bad options at startup with one aggregated error that echoes no secret', async () => {
    const options = {
      authenticators: [{ authenticate: 'nope' }],
      policy: { actions: 'x' },
      audit: { record: () => undefined },
      realm: 'bad"realm',
      throttle: { maxFailures: 0, lockoutMs: -1 },
      problemTypeBase: PEPPER,
    } as unknown as AccessModuleOptions;
    @Module({ imports: [AccessModule.forRoot(options)] })
    class BadApp {}
    let caught: unknown;
    try {
      await Test.createTestingModule({ imports: [BadApp] }).compile();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    const paths = (caught as InvalidOptionsError).issues.map((i) => i.path).sort();
    expect(paths).toEqual([
      'audit',
      'authenticators',
      'policy',
      'problemTypeBase',
      'realm',
      'throttle.lockoutMs',
      'throttle.maxFailures',
    ]);
    expect((caught as Error).message).not.toContain(PEPPER);
  });

  it('refuses policies in the removed JSON dialect at startup, saying what changed', async () => {
    const jsonPolicy = {
      id: 'admins',
      effect: 'permit',
      principal: { roles: ['admin'] },
      actions: ['pool:*'],
    };
    for (const policy of [
      [jsonPolicy],
      { policies: [jsonPolicy] },
      { actions: ['pool:drain'], resourceTypes: ['pool'], policies: [jsonPolicy] },
      // An array is never Cedar, even next to a schema.
      { policies: [jsonPolicy], schema: 'entity pool; action "pool:drain" appliesTo { resource: [pool] };' },
    ]) {
      const options = {
        authenticators: [new UpstreamPrincipalAuthenticator()],
        policy,
      } as unknown as AccessModuleOptions;
      @Module({ imports: [AccessModule.forRoot(options)] })
      class OldApp {}
      let caught: unknown;
      try {
        await Test.createTestingModule({ imports: [OldApp] }).compile();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidOptionsError);
      expect((caught as InvalidOptionsError).issues).toEqual([
        {
          path: 'policy',
          message: expect.stringMatching(
            /^the JSON policy dialect was removed in 0\.1\.0; write Cedar policies/,
          ),
        },
      ]);
      expect((caught as Error).message).toContain('policy: the JSON policy dialect was removed in 0.1.0');
    }
  });
});
