import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionsError } from '@steward/common';
import type { AccessRequest, Principal } from '../interfaces/index.js';
import type { PolicyDefinition, PolicyReloadInfo } from './interfaces/index.js';
import { PolicyEngine } from './policy-engine.js';
import { PolicyFileError, PolicyValidationError } from './policy.errors.js';
import { loadPolicyFile } from './policy-file.js';

const actions = ['pool:read', 'pool:drain', 'pool:resize', 'process:restart', 'item:read', 'metrics:read'];
const resourceTypes = ['pool', 'process', 'item', 'metrics'];

function engine(
  policies: readonly PolicyDefinition[] = [],
  extra: Partial<ConstructorParameters<typeof PolicyEngine>[0]> = {},
) {
  return new PolicyEngine({ actions, resourceTypes, policies, ...extra });
}

function principal(overrides: Partial<Principal> = {}): Principal {
  return { id: 'alice', roles: ['reader'], attributes: {}, authMethod: 'api-key', ...overrides };
}

function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return { principal: principal(), action: 'pool:drain', resource: { type: 'pool', id: 'db' }, ...overrides };
}

const permitAdmins: PolicyDefinition = {
  id: 'admins-drain',
  effect: 'permit',
  principal: { roles: ['admin'] },
  actions: ['pool:drain'],
  resource: { type: 'pool' },
};
const forbidDb: PolicyDefinition = {
  id: 'never-drain-db',
  effect: 'forbid',
  actions: ['pool:drain'],
  resource: { type: 'pool', ids: ['db'] },
};
const admin = principal({ id: 'root', roles: ['admin'] });

function expectIssues(fn: () => unknown): PolicyValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyValidationError);
    expect((error as PolicyValidationError).code).toBe('ACCESS_POLICY_INVALID');
    return error as PolicyValidationError;
  }
  throw new Error('expected a PolicyValidationError');
}

describe('PolicyEngine decisions', () => {
  it('denies by default with no policies at all', () => {
    const decision = engine().evaluate(request({ principal: admin }));
    expect(decision).toEqual({
      allowed: false,
      reason: 'no-matching-policy',
      policyIds: [],
      policyVersion: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('denies by default when no policy matches the principal, action or resource', () => {
    const e = engine([permitAdmins]);
    expect(e.evaluate(request()).reason).toBe('no-matching-policy'); // not an admin
    expect(e.evaluate(request({ principal: admin, action: 'pool:resize' })).allowed).toBe(false);
    expect(e.evaluate(request({ principal: admin, resource: { type: 'process', id: 'w1' } })).allowed).toBe(
      false,
    );
    expect(e.evaluate(request({ principal: admin, action: 'unknown:action' })).allowed).toBe(false);
    expect(e.evaluate(request({ principal: admin, resource: { type: 'nope' } })).allowed).toBe(false);
  });

  it('permits when a permit matches and names it', () => {
    const decision = engine([permitAdmins]).evaluate(request({ principal: admin }));
    expect(decision).toMatchObject({ allowed: true, reason: 'permitted', policyIds: ['admins-drain'] });
  });

  it('lets a forbid win over a permit whichever comes first', () => {
    for (const order of [
      [permitAdmins, forbidDb],
      [forbidDb, permitAdmins],
    ]) {
      const decision = engine(order).evaluate(request({ principal: admin }));
      expect(decision).toMatchObject({ allowed: false, reason: 'forbidden', policyIds: ['never-drain-db'] });
    }
    // The forbid is scoped to "db": another pool is still permitted.
    const other = engine([forbidDb, permitAdmins]).evaluate(
      request({ principal: admin, resource: { type: 'pool', id: 'cache' } }),
    );
    expect(other).toMatchObject({ allowed: true, policyIds: ['admins-drain'] });
  });

  it('reports every matching forbid, else every matching permit', () => {
    const e = engine([
      permitAdmins,
      { id: 'p2', effect: 'permit', actions: ['pool:*'] },
      forbidDb,
      { id: 'f2', effect: 'forbid', actions: ['*'], principal: { ids: ['root'] } },
    ]);
    expect(e.evaluate(request({ principal: admin })).policyIds).toEqual(['never-drain-db', 'f2']);
    expect(e.evaluate(request({ principal: admin, resource: { type: 'pool', id: 'x' } })).policyIds).toEqual([
      'f2',
    ]);
    expect(e.evaluate(request({ resource: { type: 'pool', id: 'x' } })).policyIds).toEqual(['p2']);
    expect(
      e.evaluate(request({ principal: principal({ roles: ['admin'] }), resource: { type: 'pool', id: 'x' } }))
        .policyIds,
    ).toEqual(['admins-drain', 'p2']);
  });

  it('denies with evaluation-error when a condition cannot be evaluated', () => {
    const e = engine([
      {
        id: 'owner-only',
        effect: 'permit',
        actions: ['item:read'],
        when: { eq: [{ ref: 'resource.attributes.owner' }, { ref: 'principal.id' }] },
      },
      {
        id: 'small',
        effect: 'permit',
        actions: ['pool:resize'],
        when: { lt: [{ ref: 'context.size' }, 10] },
      },
    ]);
    const item = (attributes: Record<string, unknown>) =>
      request({ action: 'item:read', resource: { type: 'item', id: 'i1', attributes } });
    expect(e.evaluate(item({ owner: 'alice' }))).toMatchObject({ allowed: true, reason: 'permitted' });
    expect(e.evaluate(item({ owner: 'bob' }))).toMatchObject({
      allowed: false,
      reason: 'no-matching-policy',
    });
    // Missing attribute and a type mismatch are errors, and errors deny.
    expect(e.evaluate(item({}))).toMatchObject({
      allowed: false,
      reason: 'evaluation-error',
      policyIds: ['owner-only'],
    });
    const resize = (size: unknown) => request({ action: 'pool:resize', context: { size } });
    expect(e.evaluate(resize(5)).allowed).toBe(true);
    expect(e.evaluate(resize('5'))).toMatchObject({ allowed: false, reason: 'evaluation-error' });
  });

  it('lets an erroring forbid deny even when a permit matches, and a matching forbid still reads as forbidden', () => {
    const erroringForbid: PolicyDefinition = {
      id: 'f-err',
      effect: 'forbid',
      actions: ['pool:drain'],
      when: { eq: [{ ref: 'context.missing' }, 1] },
    };
    expect(engine([permitAdmins, erroringForbid]).evaluate(request({ principal: admin }))).toMatchObject({
      allowed: false,
      reason: 'evaluation-error',
      policyIds: ['f-err'],
    });
    expect(
      engine([permitAdmins, erroringForbid, forbidDb]).evaluate(request({ principal: admin })),
    ).toMatchObject({
      allowed: false,
      reason: 'forbidden',
      policyIds: ['never-drain-db'],
    });
  });

  it('treats a throwing attribute getter as an evaluation error, never as an exception', () => {
    const e = engine([
      { id: 'p', effect: 'permit', actions: ['pool:drain'], when: { eq: [{ ref: 'context.x' }, 1] } },
    ]);
    const context = {};
    Object.defineProperty(context, 'x', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(e.evaluate(request({ context })).reason).toBe('evaluation-error');
  });

  it('never throws on a malformed request', () => {
    const e = engine([
      permitAdmins,
      { id: 'any', effect: 'permit', actions: ['*'], principal: { tenant: 't' } },
    ]);
    const bad = [
      null,
      {},
      { action: 'pool:drain' },
      { action: 'pool:drain', resource: { type: 'pool' } },
      { action: 'pool:drain', resource: { type: 'pool' }, principal: { id: 'x', roles: 'admin' } },
      { action: 'pool:drain', resource: { type: 'pool' }, principal: null },
    ];
    // Each one throws inside evaluate: reported as an error, never as "no policy matched".
    for (const r of bad) {
      expect(e.evaluate(r as unknown as AccessRequest)).toMatchObject({
        allowed: false,
        reason: 'evaluation-error',
      });
    }
  });

  it('matches principal ids, roles (any of) and tenant, and resource ids and attributes', () => {
    const e = engine([
      {
        id: 'p',
        effect: 'permit',
        principal: { ids: ['alice', 'bob'], roles: ['ops', 'reader'], tenant: 'acme' },
        actions: ['item:read'],
        resource: { type: 'item', ids: ['i1', 'i2'], attributes: { region: 'eu', archived: false } },
      },
    ]);
    const ok: AccessRequest = {
      principal: principal({ tenant: 'acme' }),
      action: 'item:read',
      resource: { type: 'item', id: 'i1', attributes: { region: 'eu', archived: false, extra: 1 } },
    };
    expect(e.evaluate(ok).allowed).toBe(true);
    expect(e.evaluate({ ...ok, principal: principal({ id: 'eve', tenant: 'acme' }) }).allowed).toBe(false);
    expect(e.evaluate({ ...ok, principal: principal({ roles: ['writer'], tenant: 'acme' }) }).allowed).toBe(
      false,
    );
    expect(e.evaluate({ ...ok, principal: principal({ tenant: 'other' }) }).allowed).toBe(false);
    expect(e.evaluate({ ...ok, principal: principal() }).allowed).toBe(false);
    expect(e.evaluate({ ...ok, resource: { ...ok.resource, id: 'i3' } }).allowed).toBe(false);
    expect(e.evaluate({ ...ok, resource: { type: 'item', id: 'i1' } }).allowed).toBe(false);
    expect(
      e.evaluate({
        ...ok,
        resource: { type: 'item', id: 'i1', attributes: { region: 'us', archived: false } },
      }).allowed,
    ).toBe(false);
  });

  it('matches roles the same way past the 30 roles that get a bitmask', () => {
    const roles = Array.from({ length: 40 }, (_, i) => `r${i}`);
    const e = engine(
      roles.map((role) => ({
        id: `p-${role}`,
        effect: 'permit',
        principal: { roles: [role, 'r0'] },
        actions: ['pool:read'],
      })),
    );
    const ask = (held: string[]) =>
      e.evaluate(request({ action: 'pool:read', principal: principal({ roles: held }) }));
    expect(ask(['r35']).policyIds).toEqual(['p-r35']);
    expect(ask(['r35', 'r5']).policyIds).toEqual(['p-r5', 'p-r35']);
    expect(ask(['r0']).policyIds).toHaveLength(40);
    expect(ask(['r40', 'x']).reason).toBe('no-matching-policy');
    expect(ask([]).reason).toBe('no-matching-policy');
    // The same role sets again are served from the narrowed lists.
    expect(ask(['r35']).policyIds).toEqual(['p-r35']);
    expect(ask(['r35', 'r5']).policyIds).toEqual(['p-r5', 'p-r35']);
  });

  it('expands pool:* and * to the declared actions', () => {
    const e = engine([
      { id: 'pool-ops', effect: 'permit', principal: { roles: ['ops'] }, actions: ['pool:*'] },
      { id: 'root', effect: 'permit', principal: { ids: ['root'] }, actions: ['*'] },
    ]);
    const ops = principal({ roles: ['ops'] });
    expect(e.evaluate(request({ principal: ops, action: 'pool:resize' })).allowed).toBe(true);
    expect(
      e.evaluate(request({ principal: ops, action: 'process:restart', resource: { type: 'process' } }))
        .allowed,
    ).toBe(false);
    expect(
      e.evaluate(request({ principal: admin, action: 'metrics:read', resource: { type: 'metrics' } }))
        .allowed,
    ).toBe(true);
  });

  it('reads only the policies indexed under the request (resource type, action)', () => {
    let reads = 0;
    const context = {};
    Object.defineProperty(context, 'probe', {
      enumerable: true,
      get() {
        reads++;
        return 1;
      },
    });
    const policies: PolicyDefinition[] = Array.from({ length: 1000 }, (_, i) => ({
      id: `p${i}`,
      effect: i % 2 ? 'permit' : 'forbid',
      actions: [i % 3 ? 'pool:read' : 'process:restart'],
      resource: { type: i % 3 ? 'pool' : 'process' },
      when: { eq: [{ ref: 'context.probe' }, 2] },
    }));
    const e = engine(policies);
    expect(e.evaluate(request({ action: 'pool:drain', context }))).toMatchObject({
      reason: 'no-matching-policy',
    });
    expect(reads).toBe(0);
    e.evaluate(request({ action: 'pool:read', context }));
    expect(reads).toBe(policies.filter((_, i) => i % 3).length);
  });
});

describe('PolicyEngine conditions', () => {
  const decide = (when: PolicyDefinition['when'], req: Partial<AccessRequest> = {}) =>
    engine([{ id: 'c', effect: 'permit', actions: ['pool:read'], when }]).evaluate(
      request({ action: 'pool:read', ...req }),
    );

  it('supports all / any / not, short-circuiting so `has` can guard an optional attribute', () => {
    const when = {
      all: [
        { has: 'resource.attributes.owner' },
        { eq: [{ ref: 'resource.attributes.owner' }, { ref: 'principal.id' }] },
      ],
    } as const;
    expect(decide(when, { resource: { type: 'pool', attributes: {} } })).toMatchObject({
      reason: 'no-matching-policy',
    });
    expect(decide(when, { resource: { type: 'pool', attributes: { owner: 'alice' } } }).allowed).toBe(true);
    expect(decide({ any: [{ eq: [1, 2] }, { eq: ['a', 'a'] }] }).allowed).toBe(true);
    expect(decide({ not: { eq: [1, 1] } }).allowed).toBe(false);
    expect(decide({ ne: [{ ref: 'principal.id' }, 'bob'] }).allowed).toBe(true);
  });

  it('supports membership against literal lists and request lists', () => {
    expect(decide({ in: [{ ref: 'principal.id' }, ['alice', 'carol']] }).allowed).toBe(true);
    expect(decide({ in: [{ ref: 'principal.id' }, ['bob']] }).allowed).toBe(false);
    expect(decide({ in: ['reader', { ref: 'principal.roles' }] }).allowed).toBe(true);
    expect(decide({ in: ['x', { ref: 'principal.id' }] }).reason).toBe('evaluation-error');
  });

  it('compares numbers and prefixes', () => {
    const ctx = { context: { size: 10, path: '/admin/pools' } };
    expect(decide({ gte: [{ ref: 'context.size' }, 10] }, ctx).allowed).toBe(true);
    expect(decide({ gt: [{ ref: 'context.size' }, 10] }, ctx).allowed).toBe(false);
    expect(decide({ lte: [{ ref: 'context.size' }, 10] }, ctx).allowed).toBe(true);
    expect(decide({ lt: [{ ref: 'context.size' }, 10] }, ctx).allowed).toBe(false);
    expect(decide({ startsWith: [{ ref: 'context.path' }, '/admin/'] }, ctx).allowed).toBe(true);
    expect(decide({ startsWith: [{ ref: 'context.path' }, '/public/'] }, ctx).allowed).toBe(false);
    expect(decide({ startsWith: [{ ref: 'context.size' }, '1'] }, ctx).reason).toBe('evaluation-error');
  });

  it('matches source IPs against IPv4 and IPv6 CIDRs, including IPv4-mapped addresses', () => {
    const v4 = { cidr: [{ ref: 'context.ip' }, '10.0.0.0/8'] } as const;
    const v6 = { cidr: [{ ref: 'context.ip' }, 'fd00::/8'] } as const;
    expect(decide(v4, { context: { ip: '10.1.2.3' } }).allowed).toBe(true);
    expect(decide(v4, { context: { ip: '::ffff:10.1.2.3' } }).allowed).toBe(true);
    expect(decide(v4, { context: { ip: '192.168.1.1' } }).allowed).toBe(false);
    expect(decide(v6, { context: { ip: 'fd12::1' } }).allowed).toBe(true);
    expect(decide(v6, { context: { ip: '2001:db8::1' } }).allowed).toBe(false);
    expect(decide(v4, { context: { ip: 'not-an-ip' } }).reason).toBe('evaluation-error');
    expect(decide(v4, { context: {} }).reason).toBe('evaluation-error');
  });

  it('checks a UTC time window from context.time or the injected clock, wrapping midnight', () => {
    const office = { timeWindow: { from: '09:00', to: '17:30', tz: 'UTC' } } as const;
    const night = { timeWindow: { from: '22:00', to: '06:00' } } as const;
    const at = (time: string) => ({ context: { time } });
    expect(decide(office, at('2026-01-05T09:00:00Z')).allowed).toBe(true);
    expect(decide(office, at('2026-01-05T17:29:59Z')).allowed).toBe(true);
    expect(decide(office, at('2026-01-05T17:30:00Z')).allowed).toBe(false);
    expect(decide(office, at('2026-01-05T08:59:00+00:00')).allowed).toBe(false);
    expect(decide(night, at('2026-01-05T23:10:00Z')).allowed).toBe(true);
    expect(decide(night, at('2026-01-05T03:00:00Z')).allowed).toBe(true);
    expect(decide(night, at('2026-01-05T12:00:00Z')).allowed).toBe(false);
    expect(decide(office, at('yesterday')).reason).toBe('evaluation-error');

    let now = Date.parse('2026-01-05T10:00:00Z');
    const e = engine([{ id: 't', effect: 'permit', actions: ['pool:read'], when: office }], {
      now: () => now,
    });
    expect(e.evaluate(request({ action: 'pool:read' })).allowed).toBe(true);
    now = Date.parse('2026-01-05T20:00:00Z');
    expect(e.evaluate(request({ action: 'pool:read' })).allowed).toBe(false);
  });
});

describe('PolicyEngine.readsContext', () => {
  const reads = (...conditions: PolicyDefinition['when'][]) =>
    engine(
      conditions.map((when, i): PolicyDefinition => ({
        id: `p${i}`,
        effect: 'permit',
        actions: ['pool:read'],
        when,
      })),
    ).readsContext;

  it('is false for a set without conditions, or none at all', () => {
    expect(engine().readsContext).toBe(false);
    expect(engine([permitAdmins, forbidDb]).readsContext).toBe(false);
  });

  it('is false for conditions that only read the principal and the resource', () => {
    expect(
      reads(
        { has: 'resource.attributes.owner' },
        { eq: [{ ref: 'resource.attributes.owner' }, { ref: 'principal.id' }] },
        {
          all: [
            { in: ['reader', { ref: 'principal.roles' }] },
            { not: { eq: [{ ref: 'resource.type' }, 'x'] } },
          ],
        },
        {
          any: [
            { startsWith: [{ ref: 'principal.attributes.dept' }, 'context.'] },
            { eq: ['context.ip', 1] },
          ],
        },
      ),
    ).toBe(false);
  });

  it('is true for a context ref, as `has` or as an operand, nested in all / any / not too', () => {
    expect(reads({ has: 'context.x' })).toBe(true);
    expect(reads({ eq: [{ ref: 'context.ip' }, '10.0.0.1'] })).toBe(true);
    expect(reads({ not: { has: 'context.x' } })).toBe(true);
    expect(
      reads({ any: [{ eq: [1, 2] }, { all: [{ eq: [1, 1] }, { lt: [1, { ref: 'context.size' }] }] }] }),
    ).toBe(true);
    // One policy that reads the context is enough.
    expect(reads({ has: 'principal.tenant' }, { not: { ne: [{ ref: 'context.method' }, 'GET'] } })).toBe(
      true,
    );
  });

  it('is true for a time window and for a cidr on context.ip', () => {
    expect(reads({ timeWindow: { from: '09:00', to: '17:00' } })).toBe(true);
    expect(reads({ cidr: [{ ref: 'context.ip' }, '10.0.0.0/8'] })).toBe(true);
  });

  it('follows the live set across loads', () => {
    const e = engine([permitAdmins]);
    expect(e.readsContext).toBe(false);
    e.load([{ ...permitAdmins, when: { cidr: [{ ref: 'context.ip' }, '10.0.0.0/8'] } }]);
    expect(e.readsContext).toBe(true);
    expect(() => e.load([{ ...permitAdmins, when: { nope: [] } as never }])).toThrow(PolicyValidationError);
    expect(e.readsContext).toBe(true); // a rejected set changes nothing
    e.load([permitAdmins]);
    expect(e.readsContext).toBe(false);
  });
});

describe('PolicyEngine loading', () => {
  it('rejects bad engine options all at once', () => {
    expect(() => new PolicyEngine({ actions: [], resourceTypes: ['a', 'a'], maxConditionDepth: 0 })).toThrow(
      InvalidOptionsError,
    );
    let caught: unknown;
    try {
      new PolicyEngine({ actions: ['x:*'], resourceTypes: ['a', 'a'], maxConditionDepth: 100 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    const paths = (caught as InvalidOptionsError).issues.map((i) => i.path);
    expect(paths).toEqual(['actions[0]', 'resourceTypes[1]', 'maxConditionDepth']);
  });

  it('lists every issue of a bad set in one error', () => {
    const deep = { not: { not: { not: { eq: [1, 1] } } } };
    const raw = JSON.parse(`[
      { "id": "a", "effect": "permit", "actions": ["pool:explode"] },
      { "id": "b", "effect": "permit", "actions": ["pool:read"], "resource": { "type": "database" } },
      { "id": "c", "effect": "allow", "actions": [] },
      { "id": "d", "effect": "permit", "actions": ["pool:read"], "__proto__": { "admin": true } },
      { "id": "e", "effect": "permit", "actions": ["pool:read"], "when": { "eq": [{ "ref": "principal.constructor" }, 1] } },
      { "id": "f", "effect": "permit", "actions": ["pool:read"], "when": ${JSON.stringify(deep)} },
      { "id": "g", "effect": "permit", "actions": ["nope:*"], "principals": {} },
      { "id": "a", "effect": "permit", "actions": ["pool:read"] },
      { "id": "h", "effect": "permit", "actions": ["pool:read"], "when": { "eq": [1, 2], "ne": [1, 2] } },
      { "id": "i", "effect": "permit", "actions": ["pool:read"], "when": { "cidr": [{ "ref": "context.ip" }, "10.0.0.0/33"] } },
      { "id": "j", "effect": "permit", "actions": ["pool:read"], "when": { "timeWindow": { "from": "9", "to": "25:00" } } },
      { "id": "k", "effect": "permit", "actions": ["pool:read"], "when": { "eval": "process.exit()" } },
      { "id": "l", "effect": "permit", "actions": ["pool:read"], "resource": { "attributes": { "x": { "$ne": 1 } } } },
      "not a policy"
    ]`) as PolicyDefinition[];
    const error = expectIssues(() =>
      new PolicyEngine({ actions, resourceTypes, maxConditionDepth: 3 }).load(raw),
    );
    const summary = error.issues.map((i) => `${i.index}:${i.path}`);
    expect(summary).toEqual([
      '0:actions[0]',
      '1:resource.type',
      '2:effect',
      '2:actions',
      '3:__proto__',
      '4:when.eq[0].ref',
      '5:when.not.not.not',
      '6:principals',
      '6:actions[0]',
      '7:id',
      '8:when',
      '9:when.cidr[1]',
      '10:when.timeWindow.from',
      '10:when.timeWindow.to',
      '11:when.eval',
      '12:resource.attributes.x',
      '13:',
    ]);
    expect(error.issues[0]!.message).toBe('unknown action "pool:explode"');
    expect(error.message).toContain('policies[0] (a).actions[0]: unknown action "pool:explode"');
    expect(error.message).toContain('policies[3] (d).__proto__: forbidden key "__proto__"');
  });

  it('accepts conditions right at the depth bound and rejects one level more', () => {
    const nest = (depth: number): PolicyDefinition['when'] =>
      depth === 1 ? { eq: [1, 1] } : { all: [nest(depth - 1)!] };
    const at = (depth: number) => [
      { id: 'deep', effect: 'permit' as const, actions: ['pool:read'], when: nest(depth) },
    ];
    const e = new PolicyEngine({ actions, resourceTypes, maxConditionDepth: 64 });
    expect(e.load(at(64)).count).toBe(1);
    expect(e.evaluate(request({ action: 'pool:read' })).allowed).toBe(true);
    expectIssues(() => e.load(at(65)));
  });

  it('keeps the old set serving when a reload fails, and swaps the whole set when it succeeds', () => {
    const reloads: PolicyReloadInfo[] = [];
    const e = engine([permitAdmins], { onReload: (info) => reloads.push(info) });
    const v1 = e.version;
    expectIssues(() => e.load([forbidDb, { id: 'bad', effect: 'permit', actions: ['pool:nuke'] }]));
    expect(e.version).toBe(v1);
    expect(e.evaluate(request({ principal: admin })).allowed).toBe(true); // forbidDb did not sneak in
    expect(reloads).toHaveLength(1);

    const result = e.load([forbidDb]);
    expect(result).toEqual({ version: e.version, count: 1 });
    expect(e.version).not.toBe(v1);
    expect(e.evaluate(request({ principal: admin }))).toMatchObject({
      reason: 'forbidden',
      policyVersion: e.version,
    });
    expect(reloads).toEqual([
      { version: v1, count: 1, previousVersion: expect.any(String) },
      { version: e.version, count: 1, previousVersion: v1 },
    ]);
  });

  it('hashes the canonical set: order and key order do not change the version, content does', () => {
    const a = engine([permitAdmins, forbidDb]).version;
    const reordered = engine([
      forbidDb,
      {
        resource: { type: 'pool' },
        actions: ['pool:drain'],
        principal: { roles: ['admin'] },
        effect: 'permit',
        id: 'admins-drain',
      },
    ]).version;
    expect(reordered).toBe(a);
    expect(engine([permitAdmins]).version).not.toBe(a);
    expect(engine([{ ...permitAdmins, description: 'x' }, forbidDb]).version).not.toBe(a);
  });

  it('is not affected by later mutation of the loaded data', () => {
    const policy = structuredClone(permitAdmins) as unknown as {
      principal: { roles: string[] };
      actions: string[];
    };
    const e = engine([policy as unknown as PolicyDefinition]);
    policy.principal.roles.push('reader');
    policy.actions.push('pool:read');
    expect(e.evaluate(request()).allowed).toBe(false);
    expect(Object.isFrozen(e.policies()[0]!.principal!.roles)).toBe(true);
  });

  it('survives a reload listener that throws', () => {
    const e = engine([]);
    e.onReload(() => {
      throw new Error('sink down');
    });
    const seen: string[] = [];
    const off = e.onReload((info) => seen.push(info.version));
    expect(() => e.load([permitAdmins])).not.toThrow();
    off();
    e.load([]);
    expect(seen).toEqual([engine([permitAdmins]).version]);
  });
});

describe('loadPolicyFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads an array or { policies } and the engine loads it', async () => {
    const file = join(dir, 'ok.json');
    await writeFile(file, JSON.stringify({ policies: [permitAdmins, forbidDb] }));
    const e = engine(await loadPolicyFile(file));
    expect(e.count).toBe(2);
    expect(e.evaluate(request({ principal: admin })).reason).toBe('forbidden');
  });

  it('fails the load when the file names an unknown action', async () => {
    const file = join(dir, 'unknown.json');
    await writeFile(file, JSON.stringify([{ id: 'x', effect: 'permit', actions: ['pool:teleport'] }]));
    const policies = await loadPolicyFile(file);
    const error = expectIssues(() => engine().load(policies));
    expect(error.issues).toEqual([
      { index: 0, policyId: 'x', path: 'actions[0]', message: 'unknown action "pool:teleport"' },
    ]);
  });

  it('rejects unreadable, non-JSON and wrongly shaped files with PolicyFileError', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ "policies": [ ');
    const shape = join(dir, 'shape.json');
    await writeFile(shape, '{ "rules": [] }');
    for (const path of [join(dir, 'missing.json'), bad, shape]) {
      await expect(loadPolicyFile(path)).rejects.toMatchObject({ code: 'ACCESS_POLICY_FILE_INVALID' });
    }
    await expect(loadPolicyFile(bad)).rejects.toBeInstanceOf(PolicyFileError);
  });
});
