import type { AccessRequest, Principal } from '../interfaces/index.js';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CedarFileError, CedarPolicyError } from '../cedar/cedar.errors.js';
import { CedarPolicyEngine, type CedarPolicyEngineOptions } from './cedar-policy-engine.js';

const SCHEMA = `
entity Role;
entity Team;
entity ApiClient in [Role];
entity User in [Role, Team] { level?: Long };
entity Folder in [Folder];
entity pool in [Folder] { region?: String, size?: Long };
action "pool:read", "pool:resize" appliesTo { principal: [ApiClient, User], resource: [pool], context: { ip?: ipaddr } };
action "pool:drain" in [admin] appliesTo { principal: [ApiClient, User], resource: [pool], context: { ip?: ipaddr } };
action admin;
`;

const POLICIES = `
@id("read")
permit(principal, action == Action::"pool:read", resource is pool);

@id("admins")
permit(principal in Role::"admin", action in Action::"admin", resource);

@id("big-resize")
permit(principal is User, action == Action::"pool:resize", resource)
when { resource has size && principal has level && resource.size * principal.level > 30 };

@id("no-eu-drain")
forbid(principal, action == Action::"pool:drain", resource)
when { resource has region && resource.region == "eu" };

@id("huge-drain")
forbid(principal, action == Action::"pool:drain", resource)
when { resource has size && resource.size * resource.size > 100 };

@id("team-folder")
permit(principal in Team::"db", action, resource in Folder::"databases");
`;

/** A Long whose square overflows i64. */
const HUGE = 3_037_000_500;

const principal = (
  id: string,
  roles: string[] = [],
  attributes: Record<string, unknown> = {},
): Principal => ({
  id,
  roles,
  attributes,
  authMethod: id.split(':')[0]!,
});
const request = (
  p: Principal,
  action: string,
  attributes?: Record<string, unknown>,
  id = 'db',
): AccessRequest => ({
  principal: p,
  action,
  resource: { type: 'pool', id, ...(attributes && { attributes }) },
});

describe('CedarPolicyEngine', () => {
  const engine = new CedarPolicyEngine({ policies: POLICIES, schema: SCHEMA });

  it('types principals by their namespace: a JWT sub equal to an API client id is another entity', () => {
    const client = principal('client:ops', ['admin']);
    const user = principal('jwt:ops');
    expect(engine.evaluate(request(client, 'pool:drain'))).toMatchObject({
      allowed: true,
      policyIds: ['admins'],
    });
    expect(engine.evaluate(request(user, 'pool:drain', { region: 'us' }))).toMatchObject({
      allowed: false,
      reason: 'no-matching-policy',
    });
  });

  it('makes roles parents and takes action groups from the schema', () => {
    const admin = principal('jwt:ann', ['reader', 'admin']);
    expect(engine.evaluate(request(admin, 'pool:drain')).allowed).toBe(true);
    // pool:resize is not in the admin group.
    expect(engine.evaluate(request(admin, 'pool:resize', { size: 1 })).allowed).toBe(false);
  });

  it('lets a forbid override every permit and names it', () => {
    const d = engine.evaluate(request(principal('jwt:ann', ['admin']), 'pool:drain', { region: 'eu' }));
    expect(d).toMatchObject({
      allowed: false,
      reason: 'forbidden',
      policyIds: ['no-eu-drain'],
      erroredPolicyIds: [],
    });
  });

  it('skips and reports a policy that errors, as Cedar does', () => {
    // size * size overflows i64: the forbid errors and is skipped, the admins permit decides.
    const d = engine.evaluate(request(principal('jwt:ann', ['admin']), 'pool:drain', { size: HUGE }));
    expect(d).toMatchObject({ allowed: true, policyIds: ['admins'], erroredPolicyIds: ['huge-drain'] });
    // An erroring permit, and nothing else matching: a deny that says so.
    const e = engine.evaluate(
      request(principal('jwt:bob', [], { level: HUGE }), 'pool:resize', { size: HUGE }),
    );
    expect(e).toMatchObject({
      allowed: false,
      reason: 'evaluation-error',
      policyIds: [],
      erroredPolicyIds: ['big-resize'],
    });
  });

  it('denies on an erroring forbid with denyOnForbidError, where Cedar would skip it', () => {
    const strict = new CedarPolicyEngine({ policies: POLICIES, schema: SCHEMA, denyOnForbidError: true });
    const d = strict.evaluate(request(principal('jwt:ann', ['admin']), 'pool:drain', { size: HUGE }));
    expect(d).toMatchObject({
      allowed: false,
      reason: 'evaluation-error',
      erroredPolicyIds: ['huge-drain'],
    });
    // An erroring permit changes nothing there.
    const e = strict.evaluate(
      request(principal('jwt:bob', [], { level: HUGE }), 'pool:resize', { size: HUGE }),
    );
    expect(e).toMatchObject({ allowed: false, erroredPolicyIds: ['big-resize'] });
  });

  it('reads principal and resource attributes', () => {
    const senior = principal('jwt:sam', [], { level: 3 });
    expect(engine.evaluate(request(senior, 'pool:resize', { size: 20 }))).toMatchObject({
      allowed: true,
      policyIds: ['big-resize'],
    });
    expect(engine.evaluate(request(senior, 'pool:resize', { size: 5 })).allowed).toBe(false);
  });

  it('denies a principal whose namespace has no Cedar type', () => {
    expect(engine.evaluate(request(principal('other:x', ['admin']), 'pool:drain'))).toMatchObject({
      allowed: false,
      reason: 'evaluation-error',
    });
  });

  it('asks the entity provider for what the request does not carry', () => {
    const withProvider = new CedarPolicyEngine({
      policies: POLICIES,
      schema: SCHEMA,
      entities: {
        entity: (type, id) =>
          type === 'User' && id === 'kim'
            ? { uid: { type, id }, parents: [{ type: 'Team', id: 'db' }] }
            : type === 'pool' && id === 'orders'
              ? { uid: { type, id }, parents: [{ type: 'Folder', id: 'prod' }] }
              : type === 'Folder' && id === 'prod'
                ? { uid: { type, id }, parents: [{ type: 'Folder', id: 'databases' }] }
                : undefined,
      },
    });
    // Kim's team comes from the provider; the pool's folder chain too.
    const kim = principal('jwt:kim');
    expect(withProvider.evaluate(request(kim, 'pool:resize', undefined, 'orders'))).toMatchObject({
      allowed: true,
      policyIds: ['team-folder'],
    });
    expect(withProvider.evaluate(request(kim, 'pool:resize', undefined, 'other')).allowed).toBe(false);
    expect(engine.evaluate(request(kim, 'pool:resize', undefined, 'orders')).allowed).toBe(false);
  });

  it("takes a resource's parents from the request, and their ancestors from the provider", () => {
    const kim = principal('jwt:kim');
    const inFolder = (folder: string): AccessRequest => ({
      principal: kim,
      action: 'pool:resize',
      resource: { type: 'pool', id: 'orders', parents: [{ type: 'Folder', id: folder }] },
    });
    const withTeam = new CedarPolicyEngine({
      policies: POLICIES,
      schema: SCHEMA,
      entities: {
        entity: (type, id) =>
          type === 'User' && id === 'kim'
            ? { uid: { type, id }, parents: [{ type: 'Team', id: 'db' }] }
            : type === 'Folder' && id === 'prod'
              ? { uid: { type, id }, parents: [{ type: 'Folder', id: 'databases' }] }
              : // The provider's own parents for the pool lose to the request's.
                type === 'pool'
                ? { uid: { type, id }, parents: [{ type: 'Folder', id: 'databases' }] }
                : undefined,
      },
    });
    // Direct parent, then a grandparent through the provider, then a folder outside `databases`.
    expect(withTeam.evaluate(inFolder('databases'))).toMatchObject({
      allowed: true,
      policyIds: ['team-folder'],
    });
    expect(withTeam.evaluate(inFolder('prod'))).toMatchObject({ allowed: true, policyIds: ['team-folder'] });
    expect(withTeam.evaluate(inFolder('scratch')).allowed).toBe(false);
    // Without a provider the request's parents alone decide `resource in`.
    const admin = principal('client:ops', ['admin']);
    const onlyFolder = new CedarPolicyEngine({
      policies: 'permit(principal, action == Action::"pool:read", resource in Folder::"databases");',
      schema: SCHEMA,
    });
    expect(
      onlyFolder.evaluate({ ...inFolder('databases'), principal: admin, action: 'pool:read' }).allowed,
    ).toBe(true);
    expect(onlyFolder.evaluate({ ...inFolder('prod'), principal: admin, action: 'pool:read' }).allowed).toBe(
      false,
    );
  });

  it('refuses a request Cedar refuses: an action the schema lacks, a type the action does not apply to', () => {
    const open = new CedarPolicyEngine({ policies: 'permit(principal, action, resource);', schema: SCHEMA });
    const admin = principal('client:ops', ['admin']);
    expect(open.evaluate(request(admin, 'pool:read')).allowed).toBe(true);
    expect(open.evaluate(request(admin, 'pool:raed'))).toMatchObject({
      allowed: false,
      reason: 'evaluation-error',
      policyIds: [],
      requestError: 'action pool:raed is not in the schema',
    });
    // `admin` is an action group without appliesTo: nothing can be asked of it directly.
    expect(open.evaluate(request(admin, 'admin')).allowed).toBe(false);
    expect(
      open.evaluate({ principal: admin, action: 'pool:read', resource: { type: 'Folder', id: 'f' } }),
    ).toMatchObject({
      allowed: false,
      requestError: 'action pool:read does not apply to a resource of type Folder',
    });
    const upstream = new CedarPolicyEngine({
      policies: 'permit(principal, action, resource);',
      schema: SCHEMA,
      principalTypes: { upstream: 'Team' },
    });
    expect(upstream.evaluate(request(principal('upstream:x'), 'pool:read'))).toMatchObject({
      allowed: false,
      requestError: 'action pool:read does not apply to a principal of type Team',
    });
  });

  it('refuses entity data a policy reads when it is not of the schema type: a forbid cannot be dodged', () => {
    const admin = principal('client:ops', ['admin']);
    // `region` is a String: a set (or a record) holding "eu" must not make the forbid read false.
    for (const region of [['eu'], { eu: true }, 7]) {
      expect(engine.evaluate(request(admin, 'pool:drain', { region }))).toMatchObject({
        allowed: false,
        reason: 'evaluation-error',
        requestError: expect.stringMatching(
          /^pool\.region does not conform to the schema: expected string, got /,
        ),
      });
    }
    expect(engine.evaluate(request(admin, 'pool:drain', { region: 'eu' }))).toMatchObject({
      allowed: false,
      reason: 'forbidden',
    });
    expect(engine.evaluate(request(admin, 'pool:drain', { region: 'us' })).allowed).toBe(true);
    // Attributes no policy reads are not Cedar's business here: only what is read is checked.
    expect(engine.evaluate(request(admin, 'pool:drain', { region: 'us', colour: ['x', 1] })).allowed).toBe(
      true,
    );
    // The principal's attributes too (level is a Long).
    const strong = (level: unknown) => principal('jwt:ann', [], { level });
    expect(engine.evaluate(request(strong(3), 'pool:resize', { size: 11 })).allowed).toBe(true);
    expect(engine.evaluate(request(strong('3'), 'pool:resize', { size: 11 }))).toMatchObject({
      allowed: false,
      requestError: 'User.level does not conform to the schema: expected long, got string',
    });
  });

  it('keeps the context to the fields its action declares, of their types', () => {
    const ctx = new CedarPolicyEngine({
      policies:
        '@id("local") permit(principal, action, resource) when { context.ip.isLoopback() };' +
        '@id("exact") permit(principal, action, resource) when { context == { ip: ip("10.0.0.1") } };',
      schema: `entity ApiClient; entity pool;
        action "pool:read" appliesTo { principal: [ApiClient], resource: [pool], context: { ip: ipaddr } };`,
    });
    const ask = (context: Record<string, unknown>) =>
      ctx.evaluate({ ...request(principal('client:ops'), 'pool:read'), context });
    const ip = (arg: string) => ({ __extn: { fn: 'ip', arg } });
    expect(ask({ ip: ip('127.0.0.1'), requestId: 'r1', method: 'GET' })).toMatchObject({
      allowed: true,
      policyIds: ['local'],
    });
    // The guard's undeclared facts are dropped, so the record equals its declared part, as in Cedar.
    expect(ask({ ip: ip('10.0.0.1'), requestId: 'r1' })).toMatchObject({
      allowed: true,
      policyIds: ['exact'],
    });
    expect(ask({ ip: '127.0.0.1' })).toMatchObject({
      allowed: false,
      requestError: 'context.ip does not conform to the schema: expected ipaddr, got string',
    });
    expect(ask({ requestId: 'r1' })).toMatchObject({
      allowed: false,
      requestError: 'context.ip is required by the schema but missing',
    });
  });

  it('counts a policy once when roles or parents repeat, or a resource names itself', () => {
    const twice = principal('client:ops', ['admin', 'admin']);
    expect(engine.evaluate(request(twice, 'pool:drain')).policyIds).toEqual(['admins']);
    const folders = new CedarPolicyEngine({
      policies: '@id("f") permit(principal, action == Action::"pool:read", resource in Folder::"databases");',
      schema: SCHEMA,
    });
    const db = { __entity: { type: 'Folder', id: 'databases' } };
    for (const parents of [
      [
        { type: 'Folder', id: 'databases' },
        { type: 'Folder', id: 'databases' },
      ],
      [db, { type: 'Folder', id: 'databases' }], // both JSON forms of an entity reference
    ]) {
      expect(
        folders.evaluate({
          principal: twice,
          action: 'pool:read',
          resource: { type: 'pool', id: 'db', parents: parents as never },
        }).policyIds,
      ).toEqual(['f']);
    }
  });

  it('walks a provider hierarchy of 200,000 parents without failing', () => {
    const wide = new CedarPolicyEngine({
      policies: '@id("team") permit(principal in Team::"t199999", action == Action::"pool:read", resource);',
      schema: SCHEMA,
      entities: {
        entity: (type, id) =>
          type === 'User' && id === 'kim'
            ? {
                uid: { type, id },
                parents: Array.from({ length: 200_000 }, (_, i) => ({ type: 'Team', id: `t${i}` })),
              }
            : undefined,
      },
    });
    expect(wide.evaluate(request(principal('jwt:kim'), 'pool:read'))).toMatchObject({
      allowed: true,
      policyIds: ['team'],
    });
  });

  it('takes action groups from the schema only, never from the entity provider', () => {
    const groups = new CedarPolicyEngine({
      policies: '@id("admins") permit(principal, action in Action::"admin", resource);',
      schema: SCHEMA,
      entities: {
        entity: (type, id) =>
          type === 'Action' ? { uid: { type, id }, parents: [{ type: 'Action', id: 'admin' }] } : undefined,
      },
    });
    const ops = principal('client:ops');
    expect(groups.evaluate(request(ops, 'pool:drain')).allowed).toBe(true);
    expect(groups.evaluate(request(ops, 'pool:read')).allowed).toBe(false);
  });

  it('denies, never throws, when the entity provider throws', () => {
    const broken = new CedarPolicyEngine({
      policies: POLICIES,
      schema: SCHEMA,
      entities: {
        entity: () => {
          throw new Error('directory down');
        },
      },
    });
    expect(
      broken.evaluate(request(principal('jwt:ann', ['admin']), 'pool:drain', { region: 'us' })),
    ).toMatchObject({
      allowed: false,
      reason: 'evaluation-error',
    });
  });

  it('refuses to start without a schema, saying so', () => {
    expect(() => new CedarPolicyEngine({ policies: POLICIES } as never)).toThrow(
      /a Cedar schema is required/,
    );
  });

  it('keeps the previous set when a reload is refused, and swaps on a good one', () => {
    const live = new CedarPolicyEngine({ policies: POLICIES, schema: SCHEMA });
    const before = live.version;
    const seen: string[] = [];
    live.onReload((info) => seen.push(info.version));
    expect(() =>
      live.reload({ policies: 'permit(principal, action == Action::"nope", resource);', schema: SCHEMA }),
    ).toThrow(CedarPolicyError);
    expect(live.version).toBe(before);
    expect(live.evaluate(request(principal('jwt:x'), 'pool:read')).allowed).toBe(true);
    live.reload({ policies: '@id("only") forbid(principal, action, resource);', schema: SCHEMA });
    expect(live.version).not.toBe(before);
    expect(seen).toEqual([live.version]);
    expect(live.evaluate(request(principal('jwt:x'), 'pool:read'))).toMatchObject({
      allowed: false,
      policyIds: ['only'],
    });
  });

  it('says whether any policy reads the context', () => {
    expect(engine.readsContext).toBe(false);
    const reads = new CedarPolicyEngine({
      policies: 'permit(principal, action, resource) when { context has ip && context.ip.isLoopback() };',
      schema: SCHEMA,
    });
    expect(reads.readsContext).toBe(true);
    const p = principal('jwt:x');
    expect(
      reads.evaluate({
        ...request(p, 'pool:read'),
        context: { ip: { __extn: { fn: 'ip', arg: '127.0.0.1' } } },
      }).allowed,
    ).toBe(true);
  });
});

describe('CedarPolicyEngine.readSource', () => {
  let dir: string;
  const write = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'steward-cedar-source-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads Cedar text or Cedar JSON and a schema in either form, naming the files in issues', async () => {
    const schema = await write('app.cedarschema', SCHEMA);
    const text = await write(
      'app.cedar',
      '@id("read")\npermit(principal, action == Action::"pool:read", resource);',
    );
    const engine = new CedarPolicyEngine(await CedarPolicyEngine.readSource(text, schema));
    expect(engine.count).toBe(1);
    const json = await write('app.cedar.json', JSON.stringify({ staticPolicies: engine.policies() }));
    expect(new CedarPolicyEngine(await CedarPolicyEngine.readSource(json, schema)).version).toBe(
      engine.version,
    );
    const bad = await write(
      'bad.cedar',
      '@id("typo")\npermit(principal, action == Action::"pool:raed", resource);',
    );
    const error = (() => {
      try {
        return void new CedarPolicyEngine({
          policies: readFileSync(bad, 'utf8'),
          schema: SCHEMA,
          policiesFile: bad,
        });
      } catch (e) {
        return e as CedarPolicyError;
      }
    })();
    expect(error).toBeInstanceOf(CedarPolicyError);
    expect(error!.issues[0]).toMatchObject({ file: bad, line: 2, policyId: 'typo' });
  });

  it('refuses wrong extensions, unreadable files, and JSON that is not an object', async () => {
    const schema = await write('s.cedarschema', SCHEMA);
    const wrong = await write('app.txt', 'permit(principal, action, resource);');
    await expect(CedarPolicyEngine.readSource(wrong, schema)).rejects.toThrow(CedarFileError);
    await expect(CedarPolicyEngine.readSource(join(dir, 'missing.cedar'), schema)).rejects.toThrow(/ENOENT/);
    for (const content of ['"permit(principal, action, resource);"', 'null', '7']) {
      const file = await write('odd.cedar.json', content);
      await expect(CedarPolicyEngine.readSource(file, schema)).rejects.toThrow(CedarFileError);
    }
    const schemaString = await write('s.cedarschema.json', JSON.stringify(SCHEMA));
    const ok = await write('ok.cedar', 'permit(principal, action, resource);');
    await expect(CedarPolicyEngine.readSource(ok, schemaString)).rejects.toThrow(/s\.cedarschema\.json/);
  });
});

describe('CedarPolicyEngine: data Cedar refuses never dodges a forbid', () => {
  const STRICT_SCHEMA = `
    entity Role;
    entity Team;
    entity Color enum ["red", "green"];
    entity User in [Role] { suspended: Bool, level?: Long, mfa?: Bool, tagsx?: Set<String> };
    entity Doc in [Team] { env: String, color?: Color } tags String;
    action read appliesTo { principal: [User], resource: [Doc], context: { n?: Long } };`;
  const permitAll = '@id("all") permit (principal, action, resource);';
  const engineWith = (forbid: string, entities?: CedarPolicyEngineOptions['entities']) =>
    new CedarPolicyEngine({ policies: `${permitAll}\n@id("no") ${forbid}`, schema: STRICT_SCHEMA, entities });
  const ask = (
    engine: CedarPolicyEngine,
    attributes: Record<string, unknown>,
    resource: Record<string, unknown> = { env: 'dev' },
    extra: Partial<AccessRequest> = {},
  ) =>
    engine.evaluate({
      principal: principal('jwt:alice', [], attributes),
      action: 'read',
      resource: { type: 'Doc', id: 'd', attributes: resource },
      ...extra,
    });
  const refused = { allowed: false, reason: 'evaluation-error', policyIds: [] };

  it('refuses a required attribute that is missing, read or tested with has', () => {
    for (const forbid of [
      'forbid (principal, action, resource) when { principal.suspended };',
      'forbid (principal, action, resource) when { principal has suspended && principal.suspended };',
    ]) {
      const engine = engineWith(forbid);
      expect(ask(engine, { suspended: false })).toMatchObject({ allowed: true });
      expect(ask(engine, { suspended: true })).toMatchObject({ allowed: false, reason: 'forbidden' });
      expect(ask(engine, { level: 5 })).toMatchObject({
        ...refused,
        requestError: 'User.suspended is required by the schema but missing',
      });
    }
  });

  it('refuses values that are not Cedar data (fractions, null, bad escapes, unsafe integers) at any depth', () => {
    const engine = engineWith(
      'forbid (principal, action, resource) when { principal has level && principal.level > 3 };',
    );
    for (const level of [
      1.5,
      null,
      2 ** 60,
      { __extn: { fn: 'ip', arg: 'nope' } },
      { __entity: { type: 'User' } },
    ]) {
      expect(ask(engine, { suspended: false, level })).toMatchObject(refused);
    }
    const sets = engineWith(
      'forbid (principal, action, resource) when { principal has tagsx && principal.tagsx.contains("x") };',
    );
    expect(ask(sets, { suspended: false, tagsx: ['x', 1.5] })).toMatchObject(refused);
  });

  it('checks a value tested with has or hasTag against its type', () => {
    const mfa = engineWith('forbid (principal, action, resource) unless { principal has mfa };');
    expect(ask(mfa, { suspended: false, mfa: true })).toMatchObject({ allowed: true });
    expect(ask(mfa, { suspended: false, mfa: 'no' })).toMatchObject({
      ...refused,
      requestError: 'User.mfa does not conform to the schema: expected bool, got string',
    });
    const tags = engineWith('forbid (principal, action, resource) unless { resource.hasTag("ok") };', {
      entity: (type, id) =>
        type === 'Doc' ? { uid: { type, id }, attrs: { env: 'dev' }, tags: { ok: 5 } } : undefined,
    });
    const doc = { principal: principal('jwt:alice', [], { suspended: false }), action: 'read' };
    expect(tags.evaluate({ ...doc, resource: { type: 'Doc', id: 'd' } })).toMatchObject(refused);
  });

  it('reads only the declared context fields, and refuses bad ones', () => {
    const engine = engineWith(
      'forbid (principal, action, resource) when { context has n && context.n > 1 };',
    );
    const withContext = (context: unknown) =>
      ask(engine, { suspended: false }, { env: 'dev' }, { context: context as Record<string, unknown> });
    expect(withContext({ n: 5, junk: null, m: 1.5 })).toMatchObject({ allowed: false, reason: 'forbidden' });
    expect(withContext({ n: 0, junk: { deep: [1.5] } })).toMatchObject({ allowed: true });
    expect(withContext({ n: null })).toMatchObject(refused);
    expect(withContext(['n'])).toMatchObject(refused);
  });

  it("refuses parents of a type the schema's in [...] does not allow, and ids outside an enum", () => {
    const teams = new CedarPolicyEngine({
      policies: `${permitAll}\n@id("no") forbid (principal, action, resource in Team::"t") when { resource.env == "x" };`,
      schema: STRICT_SCHEMA,
    });
    const doc = (parents: { type: string; id: string }[]) =>
      teams.evaluate({
        principal: principal('jwt:alice', [], { suspended: false }),
        action: 'read',
        resource: { type: 'Doc', id: 'd', attributes: { env: 'dev' }, parents },
      });
    expect(doc([{ type: 'Team', id: 't' }])).toMatchObject({ allowed: true });
    expect(doc([{ type: 'Role', id: 'x' }])).toMatchObject({
      ...refused,
      requestError: "an entity of type Doc may not have a parent of type Role (the schema's `in [...]`)",
    });
    // A user's roles are parents of type Role (allowed); a Team from the provider is not.
    const provided = engineWith('forbid (principal, action, resource) when { principal.suspended };', {
      entity: (type, id) =>
        type === 'User' ? { uid: { type, id }, parents: [{ type: 'Team', id: 't' }] } : undefined,
    });
    expect(ask(provided, { suspended: false })).toMatchObject(refused);
    const colors = engineWith(
      'forbid (principal, action, resource) when { resource has color && resource.color == Color::"red" };',
    );
    const red = { __entity: { type: 'Color', id: 'red' } };
    const blue = { __entity: { type: 'Color', id: 'blue' } };
    expect(ask(colors, { suspended: false }, { env: 'dev', color: red })).toMatchObject({
      reason: 'forbidden',
    });
    expect(ask(colors, { suspended: false }, { env: 'dev', color: blue })).toMatchObject(refused);
  });

  it('follows parents of parents without a provider: a route may make the principal a parent', () => {
    const engine = new CedarPolicyEngine({
      policies: `${permitAll}
@id("no") forbid (principal, action, resource in Role::"admin");`,
      schema: `entity Role; entity User in [Role] { suspended?: Bool }; entity Doc in [User];
        action read appliesTo { principal: [User], resource: [Doc] };`,
    });
    const ann = (roles: string[]) => principal('jwt:ann', roles);
    const doc = { type: 'Doc', id: 'd', parents: [{ type: 'User', id: 'ann' }] };
    expect(engine.evaluate({ principal: ann(['admin']), action: 'read', resource: doc })).toMatchObject({
      allowed: false,
      policyIds: ['no'],
    });
    expect(engine.evaluate({ principal: ann([]), action: 'read', resource: doc }).allowed).toBe(true);
  });

  it('refuses has on an attribute the schema does not declare when it is present, and malformed parents', () => {
    const secret = new CedarPolicyEngine({
      policies: '@id("s") permit (principal, action, resource) when { principal has secret };',
      schema: STRICT_SCHEMA,
    });
    expect(ask(secret, { suspended: false })).toMatchObject({ allowed: false, reason: 'no-matching-policy' });
    expect(ask(secret, { suspended: false, secret: 'x' })).toMatchObject({
      ...refused,
      requestError: 'User.secret is not declared in the schema',
    });
    const teams = engineWith('forbid (principal, action, resource in Team::"t");');
    for (const parents of [[{ type: 'Team', id: 7 }], { type: 'Team', id: 't' }, [null]]) {
      expect(
        teams.evaluate({
          principal: principal('jwt:alice', [], { suspended: false }),
          action: 'read',
          resource: { type: 'Doc', id: 'd', attributes: { env: 'dev' }, parents: parents as never },
        }),
      ).toMatchObject(refused);
    }
  });

  it('reads a large set once per request however many policies read it, with the same answers', () => {
    const many = Array.from(
      { length: 5 },
      (_, i) =>
        `@id("f${i}") forbid (principal, action, resource) when { principal has tagsx && principal.tagsx.contains("t${9_000 + i}") };`,
    ).join('\n');
    const engine = new CedarPolicyEngine({ policies: `${permitAll}\n${many}`, schema: STRICT_SCHEMA });
    const tagsx = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
    expect(ask(engine, { suspended: false, tagsx }).policyIds).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(ask(engine, { suspended: false, tagsx: tagsx.slice(0, 9_002) }).policyIds).toEqual(['f0', 'f1']);
    // Five policies test it with `has` (five presence reads) and read it: converted once (10 reads if
    // each policy converted it).
    let reads = 0;
    const counted = {
      suspended: false,
      get tagsx() {
        reads++;
        return tagsx;
      },
    };
    expect(ask(engine, counted).policyIds).toHaveLength(5);
    expect(reads).toBe(6);
  });
});
