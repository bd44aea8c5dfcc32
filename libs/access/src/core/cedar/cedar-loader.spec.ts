import { CedarPolicyError } from './cedar.errors.js';
import { CedarEntities } from './cedar-entities.js';
import { loadCedar } from './cedar-loader.js';
import { contextFromJson, EntityUid } from './cedar-value.js';

const SCHEMA = `
entity Role;
entity User in [Role] { level: Long };
entity Doc { owner: User };
action read, write appliesTo { principal: [User], resource: [Doc], context: { ip: ipaddr } };
action admin;
action drain in [admin] appliesTo { principal: [User], resource: [Doc] };
`;

function errorOf(run: () => unknown): CedarPolicyError {
  try {
    run();
  } catch (error) {
    if (error instanceof CedarPolicyError) return error;
    throw error;
  }
  throw new Error('expected a CedarPolicyError');
}

describe('loadCedar', () => {
  it('loads text policies named by @id (else policy<N>), validated against the schema', () => {
    const loaded = loadCedar({
      policies: `@id("owner-reads")\npermit(principal, action == Action::"read", resource) when { resource.owner == principal };\n// a comment; with a semicolon\npermit(principal in Role::"admin", action in Action::"admin", resource);`,
      schema: SCHEMA,
    });
    expect(loaded.ids).toEqual(['owner-reads', 'policy1']);
    expect(loaded.version).toMatch(/^[0-9a-f]{64}$/);
    // The schema's action groups become the actions' parents.
    expect(loaded.actions.find((a) => a.uid.id === 'drain')?.parents).toEqual([
      new EntityUid('Action', 'admin'),
    ]);
  });

  it('names file, line, column and policy id of a syntax error', () => {
    const error = errorOf(() =>
      loadCedar({
        policies: `@id("ok")\npermit(principal, action, resource);\n\n@id("broken")\npermit(principal, action, resource)\n  when { 1 + };`,
        policiesFile: 'policies/app.cedar',
      }),
    );
    expect(error.code).toBe('ACCESS_CEDAR_POLICY_INVALID');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({
      file: 'policies/app.cedar',
      line: 6,
      column: 14,
      policyId: 'broken',
    });
    expect(error.message).toContain('policies/app.cedar:6:14 (broken)');
  });

  it('names file, line, column and policy id of a schema violation', () => {
    const error = errorOf(() =>
      loadCedar({
        policies: `@id("a")\npermit(principal, action == Action::"read", resource)\nwhen { principal.levl > 2 };`,
        policiesFile: 'app.cedar',
        schema: SCHEMA,
      }),
    );
    expect(error.issues[0]).toMatchObject({ file: 'app.cedar', line: 3, column: 8, policyId: 'a' });
    expect(error.issues[0]!.message).toContain('levl');
  });

  it('refuses templates, naming them', () => {
    const error = errorOf(() =>
      loadCedar({ policies: `@id("t")\npermit(principal == ?principal, action, resource);` }),
    );
    expect(error.issues[0]).toMatchObject({ policyId: 't', line: 1, column: 1 });
    expect(error.issues[0]!.message).toContain('templates');
  });

  it('refuses an integer literal it cannot read exactly, naming it', () => {
    const error = errorOf(() =>
      loadCedar({
        policies: `@id("big")\npermit(principal, action, resource) when { context.n < 9223372036854775807 };`,
      }),
    );
    expect(error.issues[0]).toMatchObject({ policyId: 'big' });
    expect(error.issues[0]!.message).toContain('the integer literal 9223372036854776000 is past');
  });

  it('refuses duplicate ids', () => {
    const error = errorOf(() =>
      loadCedar({
        policies: `@id("x") permit(principal, action, resource);\n@id("x") forbid(principal, action, resource);`,
      }),
    );
    expect(error.issues[0]).toMatchObject({ policyId: 'x', line: 2, column: 1 });
  });

  it('reports a bad schema with its file', () => {
    const error = errorOf(() =>
      loadCedar({ policies: '', schema: 'entity User { x: Long ', schemaFile: 'app.cedarschema' }),
    );
    expect(error.issues[0]).toMatchObject({ file: 'app.cedarschema', line: 1 });
  });

  it('refuses a JSON value that is not a Cedar policy set (an array, unknown keys) instead of loading nothing', () => {
    const policy = {
      effect: 'permit',
      principal: { op: 'All' },
      action: { op: 'All' },
      resource: { op: 'All' },
    };
    for (const [policies, found] of [
      [[policy], 'an array'],
      [{ policies: [policy] }, 'policies'],
      [{ staticPolicies: {}, rules: {} }, 'rules'],
    ] as const) {
      const error = errorOf(() => loadCedar({ policies: policies as never, policiesFile: 'app.cedar.json' }));
      expect(error.issues).toEqual([
        {
          file: 'app.cedar.json',
          message: `not a Cedar policy set in JSON form ({ staticPolicies, templates, templateLinks }): found ${found}`,
        },
      ]);
    }
  });

  it('loads the JSON form too, and decides with it', () => {
    const loaded = loadCedar({
      policies: {
        staticPolicies: {
          readers: {
            effect: 'permit',
            principal: { op: 'in', entity: { type: 'Role', id: 'reader' } },
            action: { op: '==', entity: { type: 'Action', id: 'read' } },
            resource: { op: 'All' },
            conditions: [],
          },
        },
      },
    });
    const entities = new CedarEntities([
      { uid: { type: 'User', id: 'u' }, parents: [{ type: 'Role', id: 'reader' }] },
    ]);
    const decide = (user: string) =>
      loaded.set.authorize({
        principal: new EntityUid('User', user),
        action: new EntityUid('Action', 'read'),
        resource: new EntityUid('Doc', 'd'),
        context: () => contextFromJson({}),
        entities,
      });
    expect(decide('u')).toEqual({ decision: 'allow', determining: ['readers'], errors: [] });
    expect(decide('other')).toEqual({ decision: 'deny', determining: [], errors: [] });
  });
});

describe('loadCedar, JSON form with a schema', () => {
  it('names the policy that does not parse', () => {
    let caught: unknown;
    try {
      loadCedar({
        policies: {
          staticPolicies: {
            good: {
              effect: 'permit',
              principal: { op: 'All' },
              action: { op: 'All' },
              resource: { op: 'All' },
              conditions: [],
            },
            bad: {
              effect: 'allow',
              principal: { op: 'All' },
              action: { op: 'All' },
              resource: { op: 'All' },
              conditions: [],
            },
          },
        },
        policiesFile: 'set.cedar.json',
        schema: 'entity User;',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CedarPolicyError);
    expect((caught as CedarPolicyError).issues).toEqual([
      expect.objectContaining({ file: 'set.cedar.json', policyId: 'bad' }),
    ]);
  });
});
