import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { AccessRequest, Principal, ResourceRef } from '../interfaces/index.js';
import { CedarPolicyEngine } from './cedar-policy-engine.js';

// A schema in a Cedar namespace: every type and action is `App::…`, so the engine's default entity
// types (`ApiClient`, `User`, `Role`, `Action`) name nothing in it. The README's "Entities" section
// documents the options below; this spec holds it to that, and to cedar-wasm's answers.
const SCHEMA = `
namespace App {
  entity Role;
  entity ApiClient in [Role];
  entity User in [Role] { level?: Long };
  entity Folder;
  entity Doc in [Folder] { owner: User };
  action docs;
  action "doc:read", "doc:write" in [docs] appliesTo { principal: [ApiClient, User], resource: [Doc] };
  action "doc:delete" appliesTo { principal: [User], resource: [Doc] };
}
`;

const POLICIES = `
@id("editors")
permit (principal in App::Role::"editor", action in App::Action::"docs", resource);

@id("owners-delete")
permit (principal is App::User, action == App::Action::"doc:delete", resource)
when { resource.owner == principal };

@id("readers-in-public")
permit (principal, action == App::Action::"doc:read", resource in App::Folder::"public");

@id("no-archive-writes")
forbid (principal, action == App::Action::"doc:write", resource in App::Folder::"archive");
`;

const NAMESPACED = {
  actionType: 'App::Action',
  roleType: 'App::Role',
  principalTypes: { jwt: 'App::User', client: 'App::ApiClient' },
} as const;

const principal = (id: string, roles: string[] = []): Principal => ({
  id,
  roles,
  attributes: {},
  authMethod: id.split(':')[0]!,
});
const doc = (id: string, owner: string, folder: string): ResourceRef => ({
  type: 'App::Doc',
  id,
  attributes: { owner: { __entity: { type: 'App::User', id: owner } } },
  parents: [{ type: 'App::Folder', id: folder }],
});
const request = (p: Principal, action: string, resource: ResourceRef): AccessRequest => ({
  principal: p,
  action,
  resource,
});

describe('CedarPolicyEngine with a namespaced schema', () => {
  it('denies every request with the default (unqualified) types', () => {
    const engine = new CedarPolicyEngine({ policies: POLICIES, schema: SCHEMA });
    const decision = engine.evaluate(
      request(principal('jwt:alice', ['editor']), 'doc:read', doc('d1', 'alice', 'public')),
    );
    // Denied: no policy matches (`no-matching-policy`), or, where the engine checks requests against
    // the schema, the action is not one of the schema's (`evaluation-error`).
    expect(decision).toMatchObject({ allowed: false, policyIds: [] });
    expect(['no-matching-policy', 'evaluation-error']).toContain(decision.reason);
  });

  it('decides with actionType, roleType and principalTypes in the namespace', () => {
    const engine = new CedarPolicyEngine({ policies: POLICIES, schema: SCHEMA, ...NAMESPACED });
    const cases: [AccessRequest, boolean, readonly string[]][] = [
      // Roles are App::Role parents; actions are App::Action, with the schema's group `docs`.
      [
        request(principal('client:ops', ['editor']), 'doc:write', doc('d1', 'bob', 'team')),
        true,
        ['editors'],
      ],
      [request(principal('jwt:alice', ['editor']), 'doc:read', doc('d1', 'bob', 'team')), true, ['editors']],
      [request(principal('jwt:carol'), 'doc:read', doc('d1', 'bob', 'team')), false, []],
      // Resource parents in the namespace.
      [request(principal('jwt:carol'), 'doc:read', doc('d2', 'bob', 'public')), true, ['readers-in-public']],
      [
        request(principal('jwt:alice', ['editor']), 'doc:write', doc('d3', 'bob', 'archive')),
        false,
        ['no-archive-writes'],
      ],
      // Principals are App::User / App::ApiClient: `principal is App::User` and `== principal` hold.
      [request(principal('jwt:bob'), 'doc:delete', doc('d1', 'bob', 'team')), true, ['owners-delete']],
      [request(principal('jwt:carol'), 'doc:delete', doc('d1', 'bob', 'team')), false, []],
    ];
    for (const [req, allowed, policyIds] of cases) {
      const decision = engine.evaluate(req);
      expect({ action: req.action, allowed: decision.allowed, policyIds: decision.policyIds }).toEqual({
        action: req.action,
        allowed,
        policyIds,
      });
      // cedar-wasm, given the same entities, agrees.
      const [type, id] = [
        NAMESPACED.principalTypes[req.principal.id.split(':')[0] as 'jwt' | 'client'],
        req.principal.id.split(':')[1]!,
      ];
      const answer = cedar.isAuthorized({
        principal: { type, id },
        action: { type: 'App::Action', id: req.action },
        resource: { type: req.resource.type, id: req.resource.id! },
        context: {},
        schema: SCHEMA,
        policies: { staticPolicies: engine.policies() as Record<string, cedar.PolicyJson> },
        entities: [
          {
            uid: { type, id },
            attrs: {},
            parents: req.principal.roles.map((role) => ({ type: 'App::Role', id: role })),
          },
          {
            uid: { type: req.resource.type, id: req.resource.id! },
            attrs: req.resource.attributes as Record<string, cedar.CedarValueJson>,
            parents: (req.resource.parents as { type: string; id: string }[]).map((p) => ({
              type: p.type,
              id: p.id,
            })),
          },
        ],
      });
      if (answer.type !== 'success') throw new Error(answer.errors.map((e) => e.message).join('; '));
      expect(answer.response.decision === 'allow').toBe(allowed);
      expect([...answer.response.diagnostics.reason].sort()).toEqual([...policyIds].sort());
    }
  });

  it("decides the README's example", () => {
    const engine = new CedarPolicyEngine({
      schema: `namespace App {
        entity Role;
        entity ApiClient in [Role];
        entity User in [Role];
        entity Doc;
        action "doc:read", "doc:write" appliesTo { principal: [ApiClient, User], resource: [Doc] };
      }`,
      policies: `@id("editors")
        permit (principal in App::Role::"editor", action in [App::Action::"doc:read", App::Action::"doc:write"], resource);`,
      ...NAMESPACED,
    });
    const read = (p: Principal): AccessRequest => request(p, 'doc:read', { type: 'App::Doc', id: 'd1' });
    expect(engine.evaluate(read(principal('jwt:alice', ['editor'])))).toMatchObject({
      allowed: true,
      policyIds: ['editors'],
    });
    expect(engine.evaluate(read(principal('client:ops', ['editor'])))).toMatchObject({ allowed: true });
    expect(engine.evaluate(read(principal('jwt:bob', ['reader'])))).toMatchObject({
      allowed: false,
      reason: 'no-matching-policy',
    });
  });

  it('denies a principal whose namespace is not mapped (principalTypes replaces the defaults)', () => {
    const engine = new CedarPolicyEngine({ policies: POLICIES, schema: SCHEMA, ...NAMESPACED });
    const decision = engine.evaluate(
      request(principal('upstream:billing', ['editor']), 'doc:read', doc('d1', 'bob', 'public')),
    );
    expect(decision).toMatchObject({ allowed: false, reason: 'evaluation-error', policyIds: [] });
  });

  it('needs resource types in the namespace too: an unqualified resource is denied', () => {
    const engine = new CedarPolicyEngine({ policies: POLICIES, schema: SCHEMA, ...NAMESPACED });
    const unqualified = { type: 'Doc', id: 'd2', parents: [{ type: 'Folder', id: 'public' }] };
    const denied = engine.evaluate(request(principal('jwt:carol'), 'doc:read', unqualified));
    expect(denied).toMatchObject({ allowed: false, policyIds: [] });
    expect(['no-matching-policy', 'evaluation-error']).toContain(denied.reason);
    expect(
      engine.evaluate(request(principal('jwt:carol'), 'doc:read', doc('d2', 'bob', 'public'))),
    ).toMatchObject({
      allowed: true,
      policyIds: ['readers-in-public'],
    });
  });
});
