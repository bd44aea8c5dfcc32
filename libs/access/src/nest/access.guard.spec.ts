import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Secret } from '@steward/common';
import { mintApiKey } from '../core/authn/api-key.js';
import { apiKeys } from '../core/authn/api-key.authenticator.js';
import { InMemoryApiKeyStore } from '../core/authn/in-memory-api-key.store.js';
import type { Authenticator, AuthnContext } from '../core/authn/interfaces/authenticator.interface.js';
import type { AccessRequest } from '../core/interfaces/decision.interface.js';
import { CedarPolicyEngine } from '../core/policy/index.js';
import type { AuditEvent } from '../core/interfaces/audit-event.interface.js';
import { verifyAuditFile } from '../core/audit/audit-chain.js';
import { AuditTrail } from '../core/audit/audit-trail.js';
import { FileAuditSink } from '../core/audit/file-audit.sink.js';
import { ACCESS_STATE_REQUEST_KEY, PRINCIPAL_REQUEST_KEY } from './access.constants.js';
import { AccessGuard, routeAccess, type AccessRequestState } from './access.guard.js';
import { AccessMetrics } from './access.metrics.js';
import { AccessService } from './access.service.js';
import { AccessProblemException } from './access-problem.exception.js';
import { Public } from './public.decorator.js';
import { Requires, RequiresMetadata } from './requires.decorator.js';

@Requires('pool:list')
class GuardedController {
  @Public()
  open() {}

  @Requires('pool:drain', { privileged: true })
  drain() {}

  inherited() {}
}

@Public()
class PublicController {
  @Requires('items:read')
  guarded() {}

  open() {}
}

class BareController {
  bare() {}
}

/** The items API in Cedar: API clients with roles, and the request facts the guard gives as context. */
const SCHEMA = `
entity Role;
entity ApiClient in [Role];
entity items { x?: Long };
action "items:read", "items:write" appliesTo {
  principal: [ApiClient],
  resource: [items],
  context: { ip?: String, time?: String, method?: String, route?: String, requestId?: String },
};`;
/** Readers read. */
const READ = '@id("read") permit (principal in Role::"reader", action == Action::"items:read", resource);';

describe('routeAccess', () => {
  const reflector = new Reflector();
  const of = (controller: { prototype: object }, method: string) =>
    routeAccess(reflector, (controller.prototype as Record<string, () => void>)[method]!, controller);

  it('lets handler metadata override controller metadata, either way', () => {
    expect(of(GuardedController, 'open')).toEqual({ kind: 'public' });
    expect(of(GuardedController, 'drain')).toEqual({
      kind: 'guarded',
      requirement: { action: 'pool:drain', privileged: true },
    });
    expect(of(GuardedController, 'inherited')).toEqual({
      kind: 'guarded',
      requirement: { action: 'pool:list' },
    });
    expect(of(PublicController, 'guarded')).toEqual({
      kind: 'guarded',
      requirement: { action: 'items:read' },
    });
    expect(of(PublicController, 'open')).toEqual({ kind: 'public' });
  });

  it('reports a route with no metadata anywhere as unannotated', () => {
    expect(of(BareController, 'bare')).toEqual({ kind: 'unannotated' });
  });
});

describe('AccessProblemException', () => {
  it('carries a fixed problem body and its headers, applied only before the response is sent', () => {
    const exception = new AccessProblemException('unauthorized', {
      typeBase: 'https://errors.example.com/',
      headers: { 'WWW-Authenticate': 'Bearer realm="x"' },
    });
    expect(exception.getStatus()).toBe(401);
    expect(exception.getResponse()).toEqual({
      type: 'https://errors.example.com/unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'Valid credentials are required.',
    });
    const set: Record<string, string> = {};
    exception.applyHeaders({ setHeader: (n: string, v: string) => (set[n] = v), headersSent: false });
    expect(set).toEqual({
      'Content-Type': 'application/problem+json',
      'WWW-Authenticate': 'Bearer realm="x"',
    });
    const late: Record<string, string> = {};
    exception.applyHeaders({ setHeader: (n: string, v: string) => (late[n] = v), headersSent: true });
    expect(late).toEqual({});
  });
});

describe('AccessGuard', () => {
  const pepper = new Secret('pepper-'.repeat(6));
  const reader = mintApiKey({ pepper, clientId: 'svc', roles: ['reader'] });
  const policy = { policies: READ, schema: SCHEMA };
  const guardWith = (authenticators: Authenticator[]) =>
    new AccessGuard(
      new Reflector(),
      new AccessService({ authenticators, policy, throttle: false }, new AccessMetrics()),
    );
  const inMemory = () => apiKeys({ pepper, store: new InMemoryApiKeyStore([reader.record]) });

  class Base {
    item() {}
  }
  @Requires('items:read')
  class Readable extends Base {}
  @Requires('items:write')
  class Writable extends Base {}

  const call = (guard: AccessGuard, controller: typeof Base, key = reader.key) => {
    const request = { method: 'GET', url: '/item', headers: { 'x-api-key': key }, ip: '127.0.0.1' };
    const context = new ExecutionContextHost([request, { setHeader() {} }], controller, Base.prototype.item);
    context.setType('http');
    return guard.canActivate(context);
  };

  it('decides without a Promise when the key store answers synchronously', () => {
    const guard = guardWith([inMemory()]);
    expect(call(guard, Readable)).toBe(true);
    expect(() => call(guard, Readable, mintApiKey({ pepper, clientId: 'x' }).key)).toThrow(
      AccessProblemException,
    );
  });

  it('waits for an authenticator that answers with a Promise', async () => {
    const sync = inMemory();
    const slow: Authenticator = {
      method: 'api-key',
      authenticate: async (c, ctx) => sync.authenticate(c, ctx),
    };
    const guard = guardWith([slow]);
    const pending = call(guard, Readable);
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).resolves.toBe(true);
  });

  it('stamps audit events with the time the request came in, not when an awaited authenticator answered', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00.000Z') });
    try {
      const events: AuditEvent[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const sync = inMemory();
      const slow: Authenticator = {
        method: 'api-key',
        authenticate: async (c, ctx) => {
          await gate;
          return sync.authenticate(c, ctx);
        },
      };
      const audit = { record: (event: AuditEvent) => void events.push(event), recordDurable: async () => {} };
      const service = new AccessService(
        { authenticators: [slow], policy, throttle: false, audit },
        new AccessMetrics(),
      );
      const pending = call(new AccessGuard(new Reflector(), service), Readable);
      jest.advanceTimersByTime(5_000);
      release();
      await expect(pending).resolves.toBe(true);
      expect(events.map((event) => event.time)).toEqual(['2026-01-01T00:00:00.000Z']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps the requirement of each controller apart when they share an inherited handler', () => {
    const guard = guardWith([inMemory()]);
    for (let i = 0; i < 2; i++) {
      expect(call(guard, Readable)).toBe(true);
      expect(() => call(guard, Writable)).toThrow(AccessProblemException);
    }
  });

  it('shows authenticators the facts of a request, never the request or its headers', () => {
    const sync = inMemory();
    const seen: AuthnContext[] = [];
    const spying: Authenticator = {
      method: 'api-key',
      authenticate: (c, ctx) => (seen.push(ctx), sync.authenticate(c, ctx)),
    };
    expect(call(guardWith([spying]), Readable)).toBe(true);
    const [context] = seen;
    expect(context!.ip).toBe('127.0.0.1');
    expect(context!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(context!)).toEqual([]);
    expect({ ...context }).toEqual({});
    expect(JSON.parse(JSON.stringify(context))).toEqual({ ip: '127.0.0.1', requestId: context!.requestId });
    expect(JSON.stringify(context)).not.toContain(reader.key);
  });

  it('gives the context to an engine that overrides evaluate, whatever its policies read', () => {
    const contexts: unknown[] = [];
    class Blocklist extends CedarPolicyEngine {
      override evaluate(request: AccessRequest) {
        contexts.push(request.context);
        return super.evaluate(request);
      }
    }
    const engine = new Blocklist(policy);
    expect(engine.readsContext).toBe(false); // inherited, and true of the policies alone
    const service = new AccessService(
      { authenticators: [inMemory()], policy: engine, throttle: false },
      new AccessMetrics(),
    );
    expect(service.contextUnread).toBe(false);
    expect(call(new AccessGuard(new Reflector(), service), Readable)).toBe(true);
    expect(contexts).toEqual([expect.objectContaining({ ip: '127.0.0.1', method: 'GET' })]);
  });

  it('refuses a privileged route that lacks the auditing interceptor, with a 503', () => {
    const policies = {
      ...policy,
      policies:
        '@id("write") permit (principal in Role::"reader", action == Action::"items:write", resource);',
    };
    const guard = new AccessGuard(
      new Reflector(),
      new AccessService(
        { authenticators: [inMemory()], policy: policies, throttle: false },
        new AccessMetrics(),
      ),
    );
    @Requires('items:write', { privileged: true })
    class Audited extends Base {}
    @RequiresMetadata({ action: 'items:write', privileged: true })
    class Unaudited extends Base {}
    expect(call(guard, Audited)).toBe(true);
    let caught: unknown;
    try {
      call(guard, Unaudited);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AccessProblemException);
    expect((caught as AccessProblemException).getStatus()).toBe(503);
  });

  describe('hot path', () => {
    const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
    // The guard gives the address as a string; a dotted IPv4 in 10.0.0.0/8 starts with "10.".
    const fromTenOnly = READ.replace(';', ' when { context has ip && context.ip like "10.*" };');
    const serviceOn = (options: { policies?: string; audit?: AuditEvent[] } = {}) =>
      new AccessService(
        {
          authenticators: [inMemory()],
          policy: { ...policy, policies: options.policies ?? policy.policies },
          throttle: false,
          ...(options.audit && {
            audit: { record: (event) => void options.audit!.push(event), recordDurable: async () => {} },
          }),
        },
        new AccessMetrics(),
      );
    const guardOn = (options?: Parameters<typeof serviceOn>[0]) =>
      new AccessGuard(new Reflector(), serviceOn(options));
    /** A request whose `ip` and request-id header count their reads. */
    const countingRequest = (extra: Record<string, unknown> = {}, ip = '10.1.2.3') => {
      const reads = { ip: 0, requestId: 0 };
      const headers: Record<string, string> = { 'x-api-key': reader.key };
      Object.defineProperty(headers, 'x-request-id', {
        enumerable: true,
        get: () => (reads.requestId++, 'req-1'),
      });
      const request: Record<string, unknown> = { method: 'GET', url: '/item', headers, ...extra };
      Object.defineProperty(request, 'ip', { enumerable: true, get: () => (reads.ip++, ip) });
      return { request, reads };
    };
    const run = (guard: AccessGuard, controller: typeof Base, request: object) => {
      const context = new ExecutionContextHost(
        [request, { setHeader() {} }],
        controller,
        Base.prototype.item,
      );
      context.setType('http');
      return guard.canActivate(context);
    };
    const statusOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as AccessProblemException).getStatus();
      }
      return 200;
    };

    it('reads neither the address nor the request id of an allowed request without throttle or audit', () => {
      const service = serviceOn();
      expect(service.engine.readsContext).toBe(false); // no condition at all
      const guard = new AccessGuard(new Reflector(), service);
      const { request, reads } = countingRequest();
      expect(run(guard, Readable, request)).toBe(true);
      expect(request[PRINCIPAL_REQUEST_KEY]).toMatchObject({ id: 'client:svc' });
      expect(reads).toEqual({ ip: 0, requestId: 0 });
    });

    it('reads the address for the throttle only once some key has failed', () => {
      const service = new AccessService(
        { authenticators: [inMemory()], policy, throttle: { maxFailures: 2 } },
        new AccessMetrics(),
      );
      const guard = new AccessGuard(new Reflector(), service);
      const quiet = countingRequest();
      expect(run(guard, Readable, quiet.request)).toBe(true);
      expect(quiet.reads.ip).toBe(0); // nothing tracked, nothing can be throttled

      const forged = reader.key.slice(0, -1) + (reader.key.endsWith('a') ? 'b' : 'a');
      const attacker = { method: 'GET', url: '/item', headers: { 'x-api-key': forged }, ip: '10.9.9.9' };
      for (let i = 0; i < 2; i++) expect(statusOf(() => run(guard, Readable, attacker))).toBe(401);
      const other = countingRequest();
      expect(run(guard, Readable, other.request)).toBe(true);
      expect(other.reads.ip).toBeGreaterThan(0);
    });

    it('gives the address to a policy that reads context.ip', () => {
      const guard = guardOn({ policies: fromTenOnly });
      const inside = countingRequest();
      expect(run(guard, Readable, inside.request)).toBe(true);
      expect(inside.reads.ip).toBe(1);
      expect(statusOf(() => run(guard, Readable, countingRequest({}, '192.168.1.1').request))).toBe(403);
      const viaSocket = {
        method: 'GET',
        url: '/item',
        headers: { 'x-api-key': reader.key },
        socket: { remoteAddress: '10.9.9.9' },
      };
      expect(run(guard, Readable, viaSocket)).toBe(true);
    });

    it('leaves the access state on every granted request, reading the request id only when asked', () => {
      const guard = guardOn({
        policies:
          '@id("read") permit (principal in Role::"reader", action in [Action::"items:read", Action::"items:write"], resource);',
      });
      @Requires('items:write', { privileged: true })
      class Privileged extends Base {}
      const plain = countingRequest();
      expect(run(guard, Readable, plain.request)).toBe(true);
      const state = plain.request[ACCESS_STATE_REQUEST_KEY] as AccessRequestState;
      expect(state).toMatchObject({ action: 'items:read', resource: 'items', privileged: false });
      expect(plain.reads).toEqual({ ip: 0, requestId: 0 });
      expect(state.requestId).toBe('req-1');
      expect(plain.reads.requestId).toBe(1);
      const privileged = countingRequest({ route: { path: '/item' } });
      expect(run(guard, Privileged, privileged.request)).toBe(true);
      expect(JSON.parse(JSON.stringify(privileged.request[ACCESS_STATE_REQUEST_KEY]))).toEqual({
        requestId: 'req-1',
        principal: expect.objectContaining({ id: 'client:svc' }),
        action: 'items:write',
        resource: 'items',
        policyIds: ['read'],
        sourceIp: '10.1.2.3',
        route: 'GET /item',
        privileged: true,
      });
    });

    it('still gives audit events the request id, route, source address and time', () => {
      const events: AuditEvent[] = [];
      const guard = guardOn({ audit: events });
      const before = Date.now();
      expect(run(guard, Readable, countingRequest({ route: { path: '/item' } }).request)).toBe(true);
      const denied = countingRequest({ route: { path: '/item' } });
      expect(statusOf(() => run(guard, Writable, denied.request))).toBe(403);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'authz.decision',
          decision: 'allow',
          principal: 'client:svc',
          action: 'items:read',
        }),
        expect.objectContaining({
          type: 'authz.decision',
          decision: 'deny',
          action: 'items:write',
          status: 403,
        }),
      ]);
      for (const event of events) {
        expect(event).toMatchObject({ requestId: 'req-1', route: 'GET /item', sourceIp: '10.1.2.3' });
        expect(event.time).toMatch(ISO);
        expect(Date.parse(event.time)).toBeGreaterThanOrEqual(before);
        expect(Date.parse(event.time)).toBeLessThanOrEqual(Date.now());
      }
    });

    it('lists the policies that errored in the decision event, and the chain verifies with them', async () => {
      // x * x overflows i64 for x = 2^40: "square" errors at run time (strict validation lets it pass).
      const policies = `${READ}
        @id("square") permit (principal, action, resource) when { resource has x && resource.x * resource.x > 0 };`;
      const dir = await mkdtemp(join(tmpdir(), 'steward-guard-audit-'));
      const path = join(dir, 'audit.jsonl');
      const trail = new AuditTrail({ sinks: [new FileAuditSink({ path, sync: false })] });
      try {
        const guard = new AccessGuard(
          new Reflector(),
          new AccessService(
            {
              authenticators: [inMemory()],
              policy: { policies, schema: SCHEMA },
              throttle: false,
              audit: trail,
            },
            new AccessMetrics(),
          ),
        );
        const on = (x?: number) => ({ type: 'items', ...(x !== undefined && { attributes: { x } }) });
        @Requires('items:read', { resource: () => on(2 ** 40) })
        class ReadHuge extends Base {}
        @Requires('items:write', { resource: () => on(2 ** 40) })
        class WriteHuge extends Base {}
        @Requires('items:read', { resource: () => on(2) })
        class ReadSmall extends Base {}
        @Requires('items:read', { resource: () => on() })
        class ReadBare extends Base {}
        expect(run(guard, ReadHuge, countingRequest().request)).toBe(true);
        expect(statusOf(() => run(guard, WriteHuge, countingRequest().request))).toBe(403);
        expect(run(guard, ReadSmall, countingRequest().request)).toBe(true);
        expect(run(guard, ReadBare, countingRequest().request)).toBe(true);
        await trail.close();

        const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
        const events = lines.map((line) => (JSON.parse(line) as { event: AuditEvent }).event);
        expect(events).toEqual([
          expect.objectContaining({
            decision: 'allow',
            action: 'items:read',
            policyIds: ['read'],
            erroredPolicyIds: ['square'],
          }),
          expect.objectContaining({
            decision: 'deny',
            action: 'items:write',
            reason: 'evaluation-error',
            policyIds: [],
            erroredPolicyIds: ['square'],
          }),
          expect.objectContaining({
            decision: 'allow',
            policyIds: expect.arrayContaining(['read', 'square']),
          }),
          expect.objectContaining({ decision: 'allow', policyIds: ['read'] }),
        ]);
        // Only present when some policy errored.
        expect(events.slice(2).every((event) => !('erroredPolicyIds' in event))).toBe(true);
        expect(await verifyAuditFile(path)).toMatchObject({ ok: true, count: 4 });
        // The field is inside the hash: changing it breaks the chain.
        await writeFile(
          path,
          `${lines.join('\n').replace('"erroredPolicyIds":["square"]', '"erroredPolicyIds":[]')}\n`,
        );
        expect(await verifyAuditFile(path)).toMatchObject({ ok: false, line: 1 });
      } finally {
        await trail.close();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("passes the resource function's parents to the policies, and denies malformed ones", () => {
      const guard = new AccessGuard(
        new Reflector(),
        new AccessService(
          {
            authenticators: [inMemory()],
            policy: {
              policies:
                '@id("shelf") permit (principal, action == Action::"items:read", resource in Shelf::"top");',
              schema: `entity Role; entity ApiClient in [Role]; entity Shelf; entity items in [Shelf];
                action "items:read" appliesTo { principal: [ApiClient], resource: [items] };`,
            },
            throttle: false,
          },
          new AccessMetrics(),
        ),
      );
      const onShelf = (parents: unknown) => () => ({ type: 'items', id: 'i1', parents }) as never;
      @Requires('items:read', { resource: onShelf([{ type: 'Shelf', id: 'top' }]) })
      class OnTop extends Base {}
      @Requires('items:read', { resource: onShelf([{ type: 'Shelf', id: 'low' }]) })
      class OnLow extends Base {}
      @Requires('items:read', { resource: onShelf([{ type: 'Shelf' }]) })
      class NoId extends Base {}
      @Requires('items:read', { resource: onShelf({ type: 'Shelf', id: 'top' }) })
      class NotAList extends Base {}
      expect(run(guard, OnTop, countingRequest().request)).toBe(true);
      for (const controller of [OnLow, NoId, NotAList]) {
        expect(statusOf(() => run(guard, controller, countingRequest().request))).toBe(403);
      }
    });

    it('labels each route path and method a handler serves in audit events', () => {
      const events: AuditEvent[] = [];
      const guard = guardOn({ audit: events });
      for (const [method, path] of [
        ['GET', '/a'],
        ['GET', '/b'],
        ['GET', '/a'],
        ['HEAD', '/a'],
      ]) {
        expect(run(guard, Readable, countingRequest({ method, route: { path } }).request)).toBe(true);
      }
      expect(events.map((event) => event.route)).toEqual(['GET /a', 'GET /b', 'GET /a', 'HEAD /a']);
    });
  });
});

describe('AccessGuard throttling', () => {
  const pepper = new Secret('pepper-'.repeat(6));
  const owner = mintApiKey({ pepper, clientId: 'svc', roles: ['reader'] });
  const neighbour = mintApiKey({ pepper, clientId: 'other', roles: ['reader'] });
  const forged = owner.key.slice(0, -1) + (owner.key.endsWith('a') ? 'b' : 'a');
  const policy = { policies: READ, schema: SCHEMA };
  @Requires('items:read')
  class Items {
    item() {}
  }
  const setup = (throttle: { maxFailures?: number; sourceMaxFailures?: number } = {}) => {
    const events: AuditEvent[] = [];
    const service = new AccessService(
      {
        authenticators: [
          apiKeys({ pepper, store: new InMemoryApiKeyStore([owner.record, neighbour.record]) }),
        ],
        policy,
        throttle: { maxFailures: 5, sourceMaxFailures: 20, lockoutMs: 300_000, ...throttle },
        audit: { record: (event) => void events.push(event), recordDurable: async () => {} },
      },
      new AccessMetrics(),
    );
    const guard = new AccessGuard(new Reflector(), service);
    /** Status and body of one request with `headers` from `ip`. */
    const send = (ip: string, headers: Record<string, string>, rawHeaders?: string[]) => {
      const request = {
        method: 'GET',
        url: '/items',
        headers,
        ip,
        rawHeaders: rawHeaders ?? Object.entries(headers).flat(),
      };
      const context = new ExecutionContextHost([request, { setHeader() {} }], Items, Items.prototype.item);
      context.setType('http');
      try {
        guard.canActivate(context);
        return { status: 200, body: undefined, headers: {} as Readonly<Record<string, string>> };
      } catch (error) {
        const problem = error as AccessProblemException;
        return { status: problem.getStatus(), body: problem.getResponse(), headers: problem.headers };
      }
    };
    return { send, events };
  };

  it('never refuses a key from another source because of wrong secrets sent with its key id (finding 1)', () => {
    const { send } = setup();
    for (let i = 0; i < 10; i++) send('203.0.113.9', { 'x-api-key': forged });
    expect(send('198.51.100.1', { 'x-api-key': owner.key }).status).toBe(200);
    expect(send('198.51.100.2', { 'x-api-key': owner.key }).status).toBe(200);
  });

  it('answers the right and a wrong secret alike once a key id is throttled from a source (finding 1)', () => {
    const { send } = setup();
    for (let i = 0; i < 5; i++) expect(send('203.0.113.9', { 'x-api-key': forged }).status).toBe(401);
    const wrong = send('203.0.113.9', { 'x-api-key': forged });
    const right = send('203.0.113.9', { 'x-api-key': owner.key });
    expect(wrong.status).toBe(429);
    expect(right).toEqual(wrong);
    expect(Number(right.headers['Retry-After'])).toBeGreaterThan(0);
  });

  it('refuses a throttled pair before checking the key: no HMAC for the right or a wrong secret', () => {
    const reveals = { count: 0 };
    class CountingSecret extends Secret {
      override reveal(): string {
        reveals.count++;
        return super.reveal();
      }
    }
    const counting = new CountingSecret(pepper.reveal());
    const service = new AccessService(
      {
        authenticators: [
          apiKeys({ pepper: counting, store: new InMemoryApiKeyStore([owner.record]), verifiedCacheMs: 0 }),
        ],
        policy,
        throttle: { maxFailures: 2 },
      },
      new AccessMetrics(),
    );
    const guard = new AccessGuard(new Reflector(), service);
    const status = (key: string) => {
      const request = { method: 'GET', url: '/items', headers: { 'x-api-key': key }, ip: '203.0.113.5' };
      const context = new ExecutionContextHost([request, { setHeader() {} }], Items, Items.prototype.item);
      context.setType('http');
      try {
        guard.canActivate(context);
        return 200;
      } catch (error) {
        return (error as AccessProblemException).getStatus();
      }
    };
    expect([status(forged), status(forged)]).toEqual([401, 401]);
    const before = reveals.count;
    expect([status(forged), status(owner.key), status(forged)]).toEqual([429, 429, 429]);
    expect(reveals.count).toBe(before);
  });

  it('lets valid keys through from a source that sent bad ones (finding 2)', () => {
    const { send } = setup({ sourceMaxFailures: 5 });
    for (let i = 0; i < 8; i++) send('192.0.2.1', { 'x-api-key': `stw_${'x'.repeat(44)}` });
    expect(send('192.0.2.1', { 'x-api-key': `stw_${'y'.repeat(44)}` }).status).toBe(429);
    expect(send('192.0.2.1', { 'x-api-key': neighbour.key }).status).toBe(200);
    expect(send('192.0.2.1', { 'x-api-key': owner.key }).status).toBe(200);
  });

  it('counts requests without credentials and audits them only when their source is throttled (finding 2)', () => {
    const { send, events } = setup({ sourceMaxFailures: 20 });
    const statuses = Array.from({ length: 40 }, () => send('192.0.2.7', {}).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(events).toEqual([
      expect.objectContaining({ type: 'authn.failure', reason: 'throttled: source', sourceIp: '192.0.2.7' }),
    ]);
    expect(send('192.0.2.7', { 'x-api-key': owner.key }).status).toBe(200);
  });

  it('answers 400 to two Authorization headers, which Node folds into the first (finding 7)', () => {
    const { send, events } = setup();
    // What Node hands over for two Authorization lines: the first value only, both in rawHeaders.
    const folded = send('192.0.2.3', { authorization: `ApiKey ${owner.key}` }, [
      'Authorization',
      `ApiKey ${owner.key}`,
      'Authorization',
      `ApiKey ${neighbour.key}`,
    ]);
    expect(folded.status).toBe(400);
    expect(folded.body).toMatchObject({ status: 400, title: 'Bad Request' });
    const joined = send('192.0.2.3', { 'x-api-key': `${owner.key}, ${neighbour.key}` }, [
      'X-API-Key',
      owner.key,
      'x-api-key',
      neighbour.key,
    ]);
    expect(joined.status).toBe(400);
    expect(events.map((e) => e.reason)).toEqual([
      'ambiguous-credentials via none',
      'ambiguous-credentials via none',
    ]);
    expect(JSON.stringify(events)).not.toContain(owner.key);
  });
});
