import { Reflector } from '@nestjs/core';
import type { ResourceRef } from '../core/interfaces/decision.interface.js';
import { Requires, RequiresMetadata, type AccessHttpRequest } from './requires.decorator.js';

// This file is also a type test: tsc (`npm run lint`) and ts-jest compile it, so a resource function
// that reads `req.query.x`, `req.body.x` or `req.params.x` without a cast must keep type-checking.
class ItemsController {
  @Requires('items:list', {
    resource: (req) => ({
      type: 'items',
      attributes: { size: Number(req.query.size ?? 10), owner: String(req.body?.owner) },
    }),
  })
  list(): void {}

  @Requires('items:write', {
    resource: (req) => ({ type: 'items', id: req.params.id, attributes: { owner: req.body.owner } }),
  })
  write(): void {}
}

function resourceOf(method: keyof ItemsController, request: Partial<AccessHttpRequest>): ResourceRef {
  const requirement = new Reflector().get(RequiresMetadata, ItemsController.prototype[method]);
  const resource = requirement.resource;
  if (typeof resource !== 'function') throw new Error('no resource function');
  return resource({ params: {}, headers: {}, ...request });
}

describe('@Requires resource functions', () => {
  it('read query, body and params as an Express request carries them, without casts', () => {
    expect(resourceOf('list', { query: { size: '25' }, body: { owner: 'alice' } })).toEqual({
      type: 'items',
      attributes: { size: 25, owner: 'alice' },
    });
    expect(resourceOf('write', { params: { id: 'i1' }, query: {}, body: { owner: 'bob' } })).toEqual({
      type: 'items',
      id: 'i1',
      attributes: { owner: 'bob' },
    });
  });

  it('keeps route parameters typed as strings', () => {
    const check = (req: AccessHttpRequest): string => req.params.id!;
    // @ts-expect-error route parameters are strings, not numbers
    const wrong = (req: AccessHttpRequest): number => req.params.id!;
    expect(check({ params: { id: 'x' }, headers: {} })).toBe('x');
    expect(typeof wrong).toBe('function');
  });
});
