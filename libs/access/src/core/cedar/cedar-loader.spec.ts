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

describe('loadCedar, issues and ids', () => {
  const PERMIT = {
    effect: 'permit',
    principal: { op: 'All' },
    action: { op: 'All' },
    resource: { op: 'All' },
    conditions: [],
  };

  it('reports every rejected policy of a large set at its own line, in file order', () => {
    const n = 5000;
    const text = Array.from(
      { length: n },
      (_, i) =>
        `@id("p${i}")\n  permit(principal, action == Action::"read", resource) when { principal.levl > ${i} };`,
    ).join('\n');
    const error = errorOf(() => loadCedar({ policies: text, policiesFile: 'big.cedar', schema: SCHEMA }));
    expect(error.issues).toHaveLength(n);
    error.issues.forEach((issue, i) => {
      // `principal.levl` is at column 64 of the statement's second line.
      expect(issue).toMatchObject({ file: 'big.cedar', line: 2 * i + 2, column: 64, policyId: `p${i}` });
    });
  });

  it('validates a set larger than one validation chunk, naming the failing policy', () => {
    const lines = Array.from(
      { length: 2500 },
      (_, i) => `@id("p${i}") permit(principal == User::"u${i}", action == Action::"read", resource);`,
    );
    expect(loadCedar({ policies: lines.join('\n'), schema: SCHEMA }).ids).toHaveLength(2500);
    lines[2200] = `@id("bad") permit(principal, action == Action::"read", resource) when { resource.nope };`;
    const error = errorOf(() => loadCedar({ policies: lines.join('\n'), schema: SCHEMA }));
    expect(error.issues).toEqual([expect.objectContaining({ line: 2201, column: 73, policyId: 'bad' })]);
  });

  it('lists issues in file order, not cedar-wasm order', () => {
    const error = errorOf(() =>
      loadCedar({
        policies:
          `@id("z") permit(principal, action == Action::"read", resource) when { principal.a1 };\n` +
          `@id("a") permit(principal, action == Action::"read", resource) when { principal.a2 };\n` +
          `@id("m") permit(principal, action == Action::"read", resource) when { principal.a3 };`,
        schema: SCHEMA,
      }),
    );
    expect(error.issues.map((i) => [i.line, i.policyId])).toEqual([
      [1, 'z'],
      [2, 'a'],
      [3, 'm'],
    ]);
  });

  it('places a schema error at Cedar’s position, not at 1:1', () => {
    const error = errorOf(() =>
      loadCedar({ policies: '', schema: 'entity A;\nentity B in [Nope];', schemaFile: 's.cedarschema' }),
    );
    expect(error.issues).toEqual([expect.objectContaining({ file: 's.cedarschema', line: 2, column: 14 })]);
    expect(error.issues[0]!.message).toContain('Nope');
  });

  it('does not claim a previous set stays live (there is none at boot)', () => {
    const error = errorOf(() => loadCedar({ policies: 'permit(' }));
    expect(error.message).not.toContain('previous');
    expect(error.message).toMatch(/^Cedar policy set rejected: 1 issue; nothing of it was loaded\n/);
  });

  it('refuses JSON that is not a policy set: null, Cedar text in staticPolicies, null fields', () => {
    const cases: [unknown, string][] = [
      [
        null,
        'not a Cedar policy set in JSON form ({ staticPolicies, templates, templateLinks }): found null',
      ],
      [{ staticPolicies: 'permit(principal, action, resource);' }, 'staticPolicies holds Cedar text'],
      [{ staticPolicies: null }, 'staticPolicies is null (expected an object)'],
      [{ staticPolicies: 3 }, 'staticPolicies is a number (expected an object)'],
      [{ staticPolicies: {}, templates: null }, 'templates is null (expected an object)'],
      [{ staticPolicies: {}, templateLinks: null }, 'templateLinks is null (expected an array)'],
    ];
    for (const [policies, message] of cases) {
      const error = errorOf(() => loadCedar({ policies: policies as never, policiesFile: 'p.cedar.json' }));
      expect(error.issues).toEqual([{ file: 'p.cedar.json', message: expect.stringContaining(message) }]);
    }
  });

  it('refuses empty @id values and ids with control characters, naming the place', () => {
    for (const id of ['', 'a\\nb', 'tab\\there', 'nul\\u{0}']) {
      const error = errorOf(() =>
        loadCedar({
          policies: `permit(principal, action, resource);\n  @id("${id}") permit(principal, action, resource);`,
          policiesFile: 'ids.cedar',
        }),
      );
      expect(error.issues).toEqual([
        {
          file: 'ids.cedar',
          line: 2,
          column: 3,
          message: expect.stringContaining('an id must be non-empty'),
        },
      ]);
    }
    const json = errorOf(() => loadCedar({ policies: { staticPolicies: { '': PERMIT, 'x\ny': PERMIT } } }));
    expect(json.issues.map((i) => i.message)).toEqual([
      expect.stringContaining('policy id "" refused'),
      expect.stringContaining('policy id "x\\ny" refused'),
    ]);
  });

  it('takes __proto__ as an ordinary id', () => {
    for (const policies of [
      '@id("__proto__") forbid(principal, action, resource);',
      JSON.parse(`{ "staticPolicies": { "__proto__": ${JSON.stringify({ ...PERMIT, effect: 'forbid' })} } }`),
    ]) {
      const loaded = loadCedar({ policies, schema: SCHEMA });
      expect(loaded.ids).toEqual(['__proto__']);
      expect(Object.hasOwn(loaded.json, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(loaded.json)).toBe(Object.prototype);
      const response = loaded.set.authorize({
        principal: new EntityUid('User', 'u'),
        action: new EntityUid('Action', 'read'),
        resource: new EntityUid('Doc', 'd'),
        context: () => contextFromJson({}),
        entities: new CedarEntities([]),
      });
      expect(response).toEqual({ decision: 'deny', determining: ['__proto__'], errors: [] });
    }
  });

  it('says when a duplicate id is the implicit name of a policy without @id', () => {
    const later = errorOf(() =>
      loadCedar({
        policies: `@id("policy1") permit(principal, action, resource);\npermit(principal, action, resource);`,
      }),
    );
    expect(later.issues).toEqual([
      expect.objectContaining({
        line: 2,
        column: 1,
        policyId: 'policy1',
        message: expect.stringContaining('has no @id'),
      }),
    ]);
    const earlier = errorOf(() =>
      loadCedar({
        policies: `permit(principal, action, resource);\npermit(principal, action, resource);\n@id("policy1") forbid(principal, action, resource);`,
      }),
    );
    expect(earlier.issues).toEqual([
      expect.objectContaining({
        line: 3,
        policyId: 'policy1',
        message:
          'duplicate policy id "policy1": it is also the name a policy without @id gets from its position (line 2)',
      }),
    ]);
  });
});
