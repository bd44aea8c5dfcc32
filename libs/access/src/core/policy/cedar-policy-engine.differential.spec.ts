import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import fc from 'fast-check';
import type { CedarEntityJson } from '../cedar/cedar-entities.js';
import { loadCedar } from '../cedar/cedar-loader.js';
import type { AccessRequest, Principal, ResourceRef } from '../interfaces/index.js';
import { CedarPolicyEngine } from './cedar-policy-engine.js';

// The guard's path against Cedar: the set-level differential (cedar-differential.spec.ts) proves the
// evaluator; this one proves how `CedarPolicyEngine` turns a guard request into Cedar entities. Random
// principals (namespace, roles, attributes, tenant), entity-provider data (teams in teams, folders in
// folders, resources' attributes and parents), resources from the route (attributes and parents, or
// neither) and schema-typed policies over them; each request is decided by the engine and by cedar-wasm's
// isAuthorized given the entities the README says the engine builds. Decision, determining policies and
// erroring policies must be equal.

const SCHEMA = `
entity Role;
entity Team in [Team];
entity User in [Role, Team] { level?: Long, dept?: String, tenant?: String };
entity ApiClient in [Role] { level?: Long };
entity Folder in [Folder] { owner?: User };
entity Doc in [Folder] { owner?: User, level?: Long, region?: String };
action all;
action edit in [all];
action read, write in [edit] appliesTo {
  principal: [User, ApiClient], resource: [Doc, Folder], context: { n?: Long }
};
action remove in [all] appliesTo {
  principal: [User, ApiClient], resource: [Doc, Folder], context: { n?: Long }
};`;

const USERS = ['ann', 'bob'];
const CLIENTS = ['ops', 'ann'];
const ROLES = ['admin', 'reader'];
const TEAMS = ['t0', 't1', 't2'];
const FOLDERS = ['f0', 'f1', 'f2'];
const DOCS = ['d0', 'd1'];
const REGIONS = ['eu', 'us'];
const LEVELS = [0, 1, 3, 5, 3_037_000_500];

const q = JSON.stringify;
const pick = <T>(list: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...list);

const principalScope = fc.oneof(
  { arbitrary: fc.constant('principal'), weight: 3 },
  pick(USERS).map((u) => `principal == User::${q(u)}`),
  pick(CLIENTS).map((c) => `principal == ApiClient::${q(c)}`),
  pick(ROLES).map((r) => `principal in Role::${q(r)}`),
  pick(TEAMS).map((t) => `principal in Team::${q(t)}`),
  pick(['User', 'ApiClient']).map((t) => `principal is ${t}`),
  pick(TEAMS).map((t) => `principal is User in Team::${q(t)}`),
  pick(ROLES).map((r) => `principal is ApiClient in Role::${q(r)}`),
);
const actionScope = fc.oneof(
  { arbitrary: fc.constant('action'), weight: 2 },
  pick(['read', 'write', 'remove']).map((a) => `action == Action::${q(a)}`),
  pick(['edit', 'all']).map((a) => `action in Action::${q(a)}`),
  fc.constant('action in [Action::"read", Action::"edit"]'),
  fc.constant('action in [Action::"remove", Action::"write"]'),
);
const resourceScope = fc.oneof(
  { arbitrary: fc.constant('resource'), weight: 3 },
  pick(DOCS).map((d) => `resource == Doc::${q(d)}`),
  pick(FOLDERS).map((f) => `resource in Folder::${q(f)}`),
  pick(['Doc', 'Folder']).map((t) => `resource is ${t}`),
  pick(FOLDERS).map((f) => `resource is Doc in Folder::${q(f)}`),
);
/** Well-typed conditions (strict validation); the cube overflows for the largest level. */
const condition = pick([
  'when { principal has level && principal.level > 2 }',
  'when { principal has level && principal.level * principal.level * principal.level > 0 }',
  'when { resource has owner && resource.owner == principal }',
  'unless { resource has owner && principal in resource.owner }',
  'when { resource has region && resource.region == "eu" }',
  'when { context has n && context.n > 1 }',
  'when { principal is User && principal has tenant && principal.tenant == "acme" }',
  'when { resource in Folder::"f1" || action in Action::"edit" }',
  'when { principal in Team::"t2" && !(principal in Role::"reader") }',
  'when { principal is User && principal has dept && principal.dept like "d*" }',
]);
const policy = fc
  .tuple(
    pick(['permit', 'forbid']),
    principalScope,
    actionScope,
    resourceScope,
    fc.option(condition, { nil: undefined }),
  )
  .map(([effect, p, a, r, c]) => `${effect}(${p}, ${a}, ${r})${c === undefined ? '' : ` ${c}`};`);

const userRef = pick(USERS).map((id) => ({ __entity: { type: 'User', id } }));

/** What the application's entity provider knows: acyclic teams and folders, users' teams, resources. */
const providerData: fc.Arbitrary<CedarEntityJson[]> = fc
  .tuple(
    fc.tuple(
      ...USERS.map((id) =>
        fc
          .option(
            fc.record(
              {
                parents: fc.subarray(TEAMS),
                attrs: fc.record({ dept: pick(['dev', 'ops']) }, { requiredKeys: [] }),
              },
              { requiredKeys: ['parents'] },
            ),
          )
          .map((e) =>
            e === null
              ? null
              : {
                  uid: { type: 'User', id },
                  attrs: e.attrs ?? {},
                  parents: e.parents.map((t) => ({ type: 'Team', id: t })),
                },
          ),
      ),
    ),
    fc.tuple(
      ...TEAMS.map((id, i) =>
        fc.subarray(TEAMS.slice(i + 1)).map((ps) => ({
          uid: { type: 'Team', id },
          attrs: {},
          parents: ps.map((p) => ({ type: 'Team', id: p })),
        })),
      ),
    ),
    fc.tuple(
      ...FOLDERS.map((id, i) =>
        fc
          .tuple(
            fc.subarray(FOLDERS.slice(i + 1), { maxLength: Math.min(1, FOLDERS.length - i - 1) }),
            fc.option(userRef, { nil: undefined }),
          )
          .map(([ps, owner]) => ({
            uid: { type: 'Folder', id },
            attrs: owner === undefined ? {} : { owner },
            parents: ps.map((p) => ({ type: 'Folder', id: p })),
          })),
      ),
    ),
    fc.tuple(
      ...DOCS.map((id) =>
        fc.option(
          fc.record({ parents: fc.subarray(FOLDERS), attrs: docAttrs() }).map((e) => ({
            uid: { type: 'Doc', id },
            attrs: e.attrs,
            parents: e.parents.map((f) => ({ type: 'Folder', id: f })),
          })),
        ),
      ),
    ),
  )
  .map((groups) => (groups.flat() as (CedarEntityJson | null)[]).filter((e) => e !== null));

function docAttrs(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({ owner: userRef, level: pick(LEVELS), region: pick(REGIONS) }, { requiredKeys: [] });
}

const principalArb: fc.Arbitrary<Principal> = fc
  .tuple(
    fc.oneof(
      pick(USERS).map((u) => `jwt:${u}`),
      pick(CLIENTS).map((c) => `client:${c}`),
      fc.constant('nope:ann'),
    ),
    fc.subarray(ROLES),
    fc.record({ level: pick(LEVELS) }, { requiredKeys: [] }),
    fc.option(pick(['acme', 'other']), { nil: undefined }),
  )
  .map(([id, roles, attributes, tenant]) => ({
    id,
    roles,
    // ApiClient has no tenant attribute in the schema: only users carry one.
    attributes,
    ...(tenant !== undefined && id.startsWith('jwt:') && { tenant }),
    authMethod: id.split(':')[0]!,
  }));

const resourceArb: fc.Arbitrary<ResourceRef> = fc
  .tuple(
    fc.oneof(
      pick(DOCS).map((id) => ({ type: 'Doc', id })),
      pick(FOLDERS).map((id) => ({ type: 'Folder', id })),
    ),
    fc.option(docAttrs(), { nil: undefined }),
    fc.option(fc.subarray(FOLDERS), { nil: undefined }),
  )
  .map(([ref, attributes, parents]) => ({
    ...ref,
    // A folder's attributes are only `owner`.
    ...(attributes !== undefined && {
      attributes: ref.type === 'Folder' ? (attributes.owner ? { owner: attributes.owner } : {}) : attributes,
    }),
    // A folder's parents rank above it, as the provider's do: Cedar refuses a cycle.
    ...(parents !== undefined && {
      parents: parents
        .filter((id) => ref.type === 'Doc' || FOLDERS.indexOf(id) > FOLDERS.indexOf(ref.id))
        .map((id) => ({ type: 'Folder', id })),
    }),
  }));

const requestArb: fc.Arbitrary<AccessRequest> = fc.record({
  principal: principalArb,
  action: pick(['read', 'write', 'remove']),
  resource: resourceArb,
  context: fc.record({ n: pick(LEVELS) }, { requiredKeys: [] }),
});

const TYPES: Readonly<Record<string, string>> = { jwt: 'User', client: 'ApiClient' };

/** The Cedar entities the README says the engine decides on, for cedar-wasm. */
function entitiesFor(request: AccessRequest, provided: readonly CedarEntityJson[]): cedar.EntityJson[] {
  const find = (type: string, id: string) =>
    provided.find((e) => (e.uid as { type: string }).type === type && (e.uid as { id: string }).id === id);
  const [ns, id] = [
    request.principal.id.split(':')[0]!,
    request.principal.id.slice(request.principal.id.indexOf(':') + 1),
  ];
  const principalType = TYPES[ns]!;
  const stored = find(principalType, id);
  const principal = {
    uid: { type: principalType, id },
    attrs: {
      ...stored?.attrs,
      ...request.principal.attributes,
      ...(request.principal.tenant !== undefined && { tenant: request.principal.tenant }),
    },
    parents: [...request.principal.roles.map((r) => ({ type: 'Role', id: r })), ...(stored?.parents ?? [])],
  };
  const ref = request.resource;
  const storedResource = find(ref.type, ref.id!);
  const resource = {
    uid: { type: ref.type, id: ref.id! },
    attrs: ref.attributes ?? storedResource?.attrs ?? {},
    parents: ref.parents ?? storedResource?.parents ?? [],
  };
  const others = provided.filter((e) => e !== stored && e !== storedResource);
  return [principal, resource, ...others] as cedar.EntityJson[];
}

const sorted = (ids: readonly string[]) => [...ids].sort();

describe('CedarPolicyEngine vs cedar-wasm on guard requests', () => {
  it('builds the entities the README describes and decides as Cedar on 600 random cases', () => {
    let decided = 0;
    let allowed = 0;
    fc.assert(
      fc.property(
        fc.array(policy, { minLength: 1, maxLength: 6 }),
        providerData,
        fc.array(requestArb, { minLength: 1, maxLength: 4 }),
        (texts, provided, requests) => {
          // Keep the policies strict validation accepts (some scopes no action applies to are refused).
          const valid = texts
            .map((text, i) => [`p${i}`, text] as const)
            .filter(([id, text]) => {
              try {
                loadCedar({ policies: `@id(${q(id)})\n${text}`, schema: SCHEMA });
                return true;
              } catch {
                return false;
              }
            });
          fc.pre(valid.length > 0);
          const policies = valid.map(([id, text]) => `@id(${q(id)})\n${text}`).join('\n');
          const staticPolicies = Object.fromEntries(valid);
          const engine = new CedarPolicyEngine({
            policies,
            schema: SCHEMA,
            entities: {
              entity: (type, id) =>
                provided.find(
                  (e) => (e.uid as { type: string }).type === type && (e.uid as { id: string }).id === id,
                ),
            },
          });
          for (const request of requests) {
            const decision = engine.evaluate(request);
            if (request.principal.id.startsWith('nope:')) {
              expect(decision).toMatchObject({ allowed: false, reason: 'evaluation-error', policyIds: [] });
              continue;
            }
            const principalType = TYPES[request.principal.id.split(':')[0]!]!;
            const answer = cedar.isAuthorized({
              principal: {
                type: principalType,
                id: request.principal.id.slice(request.principal.id.indexOf(':') + 1),
              },
              action: { type: 'Action', id: request.action },
              resource: { type: request.resource.type, id: request.resource.id! },
              context: (request.context ?? {}) as cedar.Context,
              schema: SCHEMA,
              policies: { staticPolicies },
              entities: entitiesFor(request, provided),
            });
            if (answer.type !== 'success') {
              throw new Error(
                `cedar-wasm refused the request: ${answer.errors.map((e) => e.message).join('; ')}`,
              );
            }
            expect({
              allowed: decision.allowed,
              policyIds: sorted(decision.policyIds),
              erroredPolicyIds: sorted(decision.erroredPolicyIds),
            }).toEqual({
              allowed: answer.response.decision === 'allow',
              policyIds: sorted(answer.response.diagnostics.reason),
              erroredPolicyIds: sorted(answer.response.diagnostics.errors.map((e) => e.policyId)),
            });
            decided++;
            if (decision.allowed) allowed++;
          }
        },
      ),
      { numRuns: 600, seed: 0xe4717e5 },
    );
    // The cases reach both answers, often enough to mean something.
    expect(decided).toBeGreaterThan(800);
    expect(allowed / decided).toBeGreaterThan(0.1);
    expect(allowed / decided).toBeLessThan(0.9);
  });
});
