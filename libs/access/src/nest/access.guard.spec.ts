import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Secret } from '@steward/common';
import { mintApiKey } from '../core/authn/api-key.js';
import { apiKeys } from '../core/authn/api-key.authenticator.js';
import { InMemoryApiKeyStore } from '../core/authn/in-memory-api-key.store.js';
import type { Authenticator } from '../core/authn/interfaces/authenticator.interface.js';
import { AccessGuard, routeAccess } from './access.guard.js';
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
  const policy = {
    actions: ['items:read', 'items:write'],
    resourceTypes: ['items'],
    policies: [
      { id: 'read', effect: 'permit' as const, principal: { roles: ['reader'] }, actions: ['items:read'] },
    ],
  };
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

  it('keeps the requirement of each controller apart when they share an inherited handler', () => {
    const guard = guardWith([inMemory()]);
    for (let i = 0; i < 2; i++) {
      expect(call(guard, Readable)).toBe(true);
      expect(() => call(guard, Writable)).toThrow(AccessProblemException);
    }
  });

  it('refuses a privileged route that lacks the auditing interceptor, with a 503', () => {
    const policies = { ...policy, policies: [{ ...policy.policies[0]!, actions: ['items:write'] }] };
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
});
