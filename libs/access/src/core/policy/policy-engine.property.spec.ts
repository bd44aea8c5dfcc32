import fc from 'fast-check';
import type { AccessRequest, Decision, Principal } from '../interfaces/index.js';
import type { PolicyCondition, PolicyDefinition } from './interfaces/index.js';
import { PolicyEngine } from './policy-engine.js';

// Property tests: random policy sets and requests, checked against a naive reference evaluator
// written independently of the engine's index and compiler.

const ACTIONS = ['pool:read', 'pool:drain', 'pool:resize', 'process:restart', 'process:read'];
const TYPES = ['pool', 'process', 'item'];
const PATTERNS = [...ACTIONS, 'pool:*', 'process:*', '*'];
const IDS = ['alice', 'bob', 'carol'];
const ROLES = ['admin', 'ops', 'reader'];
const TENANTS = ['t1', 't2'];
const RESOURCE_IDS = ['db', 'cache', 'w1'];

const condition: fc.Arbitrary<PolicyCondition> = fc.letrec<{ node: PolicyCondition }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<PolicyCondition>({ eq: [{ ref: 'resource.attributes.owner' }, { ref: 'principal.id' }] }),
    fc.constant<PolicyCondition>({ has: 'resource.attributes.owner' }),
    fc.constant<PolicyCondition>({ in: [{ ref: 'principal.tenant' }, ['t1']] }),
    fc.integer({ min: 0, max: 3 }).map<PolicyCondition>((n) => ({ eq: [{ ref: 'context.level' }, n] })),
    fc.integer({ min: 0, max: 3 }).map<PolicyCondition>((n) => ({ gt: [{ ref: 'context.level' }, n] })),
    tie('node').map<PolicyCondition>((c) => ({ not: c })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map<PolicyCondition>((all) => ({ all })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map<PolicyCondition>((any) => ({ any })),
  ),
})).node;

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const nonEmptySub = <T>(values: T[]) => fc.subarray(values, { minLength: 1 });

const policyBody = fc.record({
  effect: fc.constantFrom<'permit' | 'forbid'>('permit', 'forbid'),
  principal: optional(
    fc.record({
      ids: optional(nonEmptySub(IDS)),
      roles: optional(nonEmptySub(ROLES)),
      tenant: optional(fc.constantFrom(...TENANTS)),
    }),
  ),
  actions: nonEmptySub(PATTERNS),
  resource: optional(
    fc.record({
      type: optional(fc.constantFrom(...TYPES)),
      ids: optional(nonEmptySub(RESOURCE_IDS)),
      attributes: optional(fc.record({ region: fc.constantFrom('eu', 'us') })),
    }),
  ),
  when: optional(condition),
});

const policySet: fc.Arbitrary<PolicyDefinition[]> = fc
  .array(policyBody, { maxLength: 12 })
  .map((bodies) => bodies.map((body, i) => strip({ id: `p${i}`, ...body }) as PolicyDefinition));

const accessRequest: fc.Arbitrary<AccessRequest> = fc
  .record({
    id: fc.constantFrom(...IDS, 'mallory'),
    roles: fc.subarray(ROLES),
    tenant: optional(fc.constantFrom(...TENANTS, 't3')),
    action: fc.constantFrom(...ACTIONS, 'pool:unknown'),
    type: fc.constantFrom(...TYPES, 'ghost'),
    resourceId: optional(fc.constantFrom(...RESOURCE_IDS)),
    owner: optional(fc.constantFrom(...IDS)),
    region: optional(fc.constantFrom('eu', 'us')),
    level: optional(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant('high'))),
  })
  .map(({ id, roles, tenant, action, type, resourceId, owner, region, level }) => ({
    principal: strip({ id, roles, tenant, attributes: {}, authMethod: 'test' }) as Principal,
    action,
    resource: strip({
      type,
      id: resourceId,
      attributes: strip({ owner, region }),
    }) as AccessRequest['resource'],
    context: strip({ level }),
  }));

function strip<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---- the reference evaluator: a linear scan, straight from the documented semantics ----

const ERROR = Symbol('error');

function ref(request: AccessRequest, path: string): unknown {
  const [root, field, key] = path.split('.');
  const base: unknown =
    root === 'principal'
      ? field === 'attributes'
        ? request.principal.attributes?.[key!]
        : (request.principal as unknown as Record<string, unknown>)[field!]
      : root === 'resource'
        ? field === 'attributes'
          ? request.resource.attributes?.[key!]
          : (request.resource as unknown as Record<string, unknown>)[field!]
        : request.context?.[field!];
  if (base === undefined) throw ERROR;
  return base;
}

function operand(request: AccessRequest, value: unknown): unknown {
  return value !== null && typeof value === 'object' && 'ref' in value
    ? ref(request, (value as { ref: string }).ref)
    : value;
}

function holds(c: PolicyCondition, request: AccessRequest): boolean {
  if ('all' in c) return c.all.every((x) => holds(x, request));
  if ('any' in c) return c.any.some((x) => holds(x, request));
  if ('not' in c) return !holds(c.not, request);
  if ('has' in c) {
    try {
      ref(request, c.has);
      return true;
    } catch {
      return false;
    }
  }
  if ('eq' in c) return operand(request, c.eq[0]) === operand(request, c.eq[1]);
  if ('in' in c) return (operand(request, c.in[1]) as unknown[]).includes(operand(request, c.in[0]));
  if ('gt' in c) {
    const [a, b] = [operand(request, c.gt[0]), operand(request, c.gt[1])];
    if (typeof a !== 'number' || typeof b !== 'number') throw ERROR;
    return a > b;
  }
  throw new Error(`reference evaluator lacks ${Object.keys(c)[0]}`);
}

function inScope(p: PolicyDefinition, r: AccessRequest): boolean {
  const actionOk = p.actions.some((a) =>
    a === '*'
      ? ACTIONS.includes(r.action)
      : a.endsWith(':*')
        ? ACTIONS.includes(r.action) && r.action.startsWith(a.slice(0, -1))
        : a === r.action,
  );
  if (!actionOk || !TYPES.includes(r.resource.type)) return false;
  if (p.principal?.ids && !p.principal.ids.includes(r.principal.id)) return false;
  if (p.principal?.roles && !p.principal.roles.some((x) => r.principal.roles.includes(x))) return false;
  if (p.principal?.tenant !== undefined && p.principal.tenant !== r.principal.tenant) return false;
  if (p.resource?.type !== undefined && p.resource.type !== r.resource.type) return false;
  if (p.resource?.ids && (r.resource.id === undefined || !p.resource.ids.includes(r.resource.id)))
    return false;
  for (const [k, v] of Object.entries(p.resource?.attributes ?? {})) {
    if (r.resource.attributes?.[k] !== v) return false;
  }
  return true;
}

function reference(policies: readonly PolicyDefinition[], r: AccessRequest): Omit<Decision, 'policyVersion'> {
  const forbids: string[] = [];
  const permits: string[] = [];
  const errors: string[] = [];
  for (const p of policies) {
    if (!inScope(p, r)) continue;
    let match: boolean;
    try {
      match = p.when === undefined || holds(p.when, r);
    } catch (e) {
      if (e !== ERROR) throw e;
      errors.push(p.id);
      continue;
    }
    if (match) (p.effect === 'forbid' ? forbids : permits).push(p.id);
  }
  if (forbids.length) return { allowed: false, reason: 'forbidden', policyIds: forbids };
  if (errors.length) return { allowed: false, reason: 'evaluation-error', policyIds: errors };
  if (permits.length) return { allowed: true, reason: 'permitted', policyIds: permits };
  return { allowed: false, reason: 'no-matching-policy', policyIds: [] };
}

const engineFor = (policies: readonly PolicyDefinition[]) =>
  new PolicyEngine({ actions: ACTIONS, resourceTypes: TYPES, policies });
const summary = (d: Omit<Decision, 'policyVersion'>) => ({ ...d, policyIds: [...d.policyIds].sort() });

describe('PolicyEngine properties', () => {
  it('decides exactly as the reference evaluator for random policy sets and requests', () => {
    fc.assert(
      fc.property(
        policySet,
        fc.array(accessRequest, { minLength: 1, maxLength: 8 }),
        (policies, requests) => {
          const engine = engineFor(policies);
          for (const r of requests) {
            const { policyVersion: _v, ...decision } = engine.evaluate(r);
            expect(summary(decision)).toEqual(summary(reference(policies, r)));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('denies by default: an allow always names permits that matched, and no permit means no allow', () => {
    fc.assert(
      fc.property(policySet, accessRequest, (policies, r) => {
        const decision = engineFor(policies).evaluate(r);
        const permits = policies.filter((p) => p.effect === 'permit');
        if (decision.allowed) {
          expect(decision.policyIds.length).toBeGreaterThan(0);
          for (const id of decision.policyIds) expect(permits.map((p) => p.id)).toContain(id);
        }
        expect(engineFor(policies.filter((p) => p.effect === 'forbid')).evaluate(r).allowed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('lets forbids override permits whatever the order, and a forbid never turns a deny into an allow', () => {
    fc.assert(
      fc.property(policySet, accessRequest, fc.nat(), policyBody, (policies, r, seed, extra) => {
        const base = engineFor(policies).evaluate(r);
        const shuffled = [...policies].sort((a, b) => hash(a.id, seed) - hash(b.id, seed));
        const again = engineFor(shuffled).evaluate(r);
        expect({ ...again, policyIds: [...again.policyIds].sort() }).toEqual({
          ...base,
          policyIds: [...base.policyIds].sort(),
        });

        const forbid = strip({ ...extra, id: 'extra', effect: 'forbid' }) as PolicyDefinition;
        const withForbid = engineFor([forbid, ...policies]).evaluate(r);
        if (!base.allowed) expect(withForbid.allowed).toBe(false);
        const matchAll: PolicyDefinition = { id: 'deny-all', effect: 'forbid', actions: ['*'] };
        if (TYPES.includes(r.resource.type) && ACTIONS.includes(r.action)) {
          for (const set of [
            [...policies, matchAll],
            [matchAll, ...policies],
          ]) {
            expect(engineFor(set).evaluate(r)).toMatchObject({ allowed: false, reason: 'forbidden' });
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

function hash(id: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 2654435761);
  return h >>> 0;
}
