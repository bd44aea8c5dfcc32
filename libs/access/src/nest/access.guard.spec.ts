import { Reflector } from '@nestjs/core';
import { routeAccess } from './access.guard.js';
import { AccessProblemException } from './access-problem.exception.js';
import { Public } from './public.decorator.js';
import { Requires } from './requires.decorator.js';

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
