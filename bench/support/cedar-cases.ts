// Random Cedar cases for the differential test (libs/access/src/core/cedar/cedar-differential.spec.ts)
// and the 1,000,000-case run (bench/cedar-differential.ts): entity stores with hierarchies and tags,
// policy sets in Cedar text with conditions of every kind (including ones that error at run time:
// missing attributes and entities, type errors, overflow, bad extension input), and requests. Each
// case is decided by cedar-wasm's isAuthorized and by Steward's compiled evaluator; they must agree on
// the decision, the determining policies and the erroring policies.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import fc from 'fast-check';
import { CedarEntities, contextFromJson, EntityUid, loadCedar, type CedarEntityJson } from '@steward/access';

const USERS = ['alice', 'bob', 'carol'];
const GROUPS = ['g0', 'g1', 'g2'];
const DOCS = ['d0', 'd1'];
const FOLDERS = ['f0', 'f1'];
const ACTIONS = ['read', 'write', 'delete', 'all', 'edit'];
/** Action groups: read and write are in edit, edit and delete in all. */
const ACTION_PARENTS: Record<string, string[]> = {
  read: ['edit'],
  write: ['edit'],
  edit: ['all'],
  delete: ['all'],
};
const ATTRS = ['n', 's', 'b', 'owner', 'tags', 'r', 'addr', 'amount', 'when', 'ttl'];
const STRINGS = ['', 'a', 'ab', 'abc', 'x*y', 'é', '日本', 'alice', 'eu'];
const PATTERNS = ['*', 'a*', '*b', 'a*c', '\\*', 'ab', '', '**', '*é*', 'x\\*y'];
const IPS = [
  '10.0.0.1',
  '10.0.0.0/8',
  '192.168.1.1/24',
  '127.0.0.1',
  '::1',
  'ff02::1',
  '2001:db8::/32',
  '0.0.0.0/0',
  '::/0',
  '224.1.2.3',
  '10.0.0.1/33',
  '01.2.3.4',
  '::ffff:1.2.3.4',
  '1:2:3:4:5:6:7:8',
  '1::2::3',
  'fe80::1%eth0',
  '1.2.3.4/08',
];
const DECIMALS = [
  '0.0',
  '1.5',
  '-1.5',
  '1.2345',
  '1.23456',
  '922337203685477.5807',
  '922337203685477.5808',
  '-0.1',
  '1',
  '.5',
  '01.0',
];
const DATETIMES = [
  '2024-01-01',
  '2024-01-01T12:30:00Z',
  '2024-02-29T23:59:59.999Z',
  '2023-02-29',
  '1969-12-31T23:00:00-0100',
  '2024-01-01T00:00:00+1400',
  '2024-13-01',
  '2024-01-01T24:00:00Z',
];
const DURATIONS = [
  '1d',
  '2h30m',
  '-1h',
  '1ms',
  '90m',
  '0ms',
  '1d2h3m4s5ms',
  '1h1d',
  '',
  '106751991168d',
  '-36h',
];
const LONGS = [
  0, 1, -1, 2, 7, 42, -100, 9_007_199_254_740_991, -9_007_199_254_740_991, 3_037_000_499, 4_294_967_296,
];

const q = (s: string): string => JSON.stringify(s);
const uid = (type: string, id: string): string => `${type}::${q(id)}`;
const pick = <T>(list: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...list);

const entityLiteral = fc.oneof(
  pick(USERS).map((id) => uid('User', id)),
  pick(GROUPS).map((id) => uid('Group', id)),
  pick(DOCS).map((id) => uid('Doc', id)),
  pick(FOLDERS).map((id) => uid('Folder', id)),
  pick(ACTIONS).map((id) => uid('Action', id)),
  pick(['zz']).map((id) => uid('User', id)),
);
const variable = pick(['principal', 'resource', 'action']);
const TYPES = ['User', 'Group', 'Doc', 'Folder', 'Action'];

type Kind = 'bool' | 'long' | 'string' | 'entity' | 'set' | 'record' | 'ext' | 'any';

/** Expressions as Cedar text, mostly well typed by kind, sometimes not (a type error at run time). */
function expr(kind: Kind, depth: number): fc.Arbitrary<string> {
  const e = (k: Kind): fc.Arbitrary<string> => (depth <= 0 ? leaf(k) : expr(k, depth - 1));
  const p = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => a.map((s) => `(${s})`);
  const attrOf = fc.tuple(fc.oneof(variable, pick(['context']), p(e('entity')), p(e('record'))), pick(ATTRS));
  const access = attrOf.map(([target, attr]) => `${target}.${attr}`);
  const wrong = fc.oneof(e('any'), leaf('any'));
  switch (kind) {
    case 'bool':
      return fc.oneof(
        { depthSize: 'small' },
        leaf('bool'),
        p(e('bool')).map((a) => `!${a}`),
        fc
          .tuple(p(e('bool')), pick(['&&', '||']), p(fc.oneof(e('bool'), wrong)))
          .map(([a, op, b]) => `${a} ${op} ${b}`),
        fc.tuple(p(e('any')), pick(['==', '!=']), p(e('any'))).map(([a, op, b]) => `${a} ${op} ${b}`),
        fc
          .tuple(
            p(fc.oneof(e('long'), e('ext'))),
            pick(['<', '<=', '>', '>=']),
            p(fc.oneof(e('long'), e('ext'))),
          )
          .map(([a, op, b]) => `${a} ${op} ${b}`),
        fc
          .tuple(p(fc.oneof(e('entity'), wrong)), p(fc.oneof(e('entity'), e('set'))))
          .map(([a, b]) => `${a} in ${b}`),
        fc
          .tuple(
            p(fc.oneof(e('entity'), e('record'), wrong)),
            fc.array(pick(ATTRS), { minLength: 1, maxLength: 2 }),
          )
          .map(([a, path]) => `${a} has ${path.join('.')}`),
        fc.tuple(p(fc.oneof(e('string'), wrong)), pick(PATTERNS)).map(([a, pat]) => `${a} like "${pat}"`),
        fc
          .tuple(p(fc.oneof(e('entity'), wrong)), pick(TYPES), fc.option(p(fc.oneof(e('entity'), e('set')))))
          .map(([a, t, within]) => (within === null ? `${a} is ${t}` : `${a} is ${t} in ${within}`)),
        fc
          .tuple(
            p(fc.oneof(e('set'), wrong)),
            pick(['contains', 'containsAll', 'containsAny']),
            fc.oneof(e('any'), e('set')),
          )
          .map(([a, m, b]) => `${a}.${m}(${b})`),
        p(fc.oneof(e('set'), wrong)).map((a) => `${a}.isEmpty()`),
        fc.tuple(p(e('bool')), p(e('bool')), p(e('bool'))).map(([c, t, f]) => `if ${c} then ${t} else ${f}`),
        fc
          .tuple(p(e('ext')), pick(['isIpv4', 'isIpv6', 'isLoopback', 'isMulticast']))
          .map(([a, m]) => `${a}.${m}()`),
        fc.tuple(p(e('ext')), p(e('ext'))).map(([a, b]) => `${a}.isInRange(${b})`),
        fc
          .tuple(
            p(e('ext')),
            pick(['lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual']),
            e('ext'),
          )
          .map(([a, m, b]) => `${a}.${m}(${b})`),
        fc
          .tuple(
            p(fc.oneof(e('entity'), wrong)),
            pick(['hasTag', 'getTag']),
            fc.oneof(pick(['k', 'j']).map(q), e('any')),
          )
          .map(([a, m, k]) => (m === 'hasTag' ? `${a}.hasTag(${k})` : `${a}.getTag(${k}) == true`)),
        access,
      );
    case 'long':
      return fc.oneof(
        { depthSize: 'small' },
        leaf('long'),
        p(e('long')).map((a) => `-${a}`),
        fc
          .tuple(p(e('long')), pick(['+', '-', '*']), p(fc.oneof(e('long'), wrong)))
          .map(([a, op, b]) => `${a} ${op} ${b}`),
        fc
          .tuple(p(e('ext')), pick(['toDays', 'toHours', 'toMinutes', 'toSeconds', 'toMilliseconds']))
          .map(([a, m]) => `${a}.${m}()`),
        fc.tuple(p(e('bool')), p(e('long')), p(e('long'))).map(([c, t, f]) => `if ${c} then ${t} else ${f}`),
        access,
      );
    case 'string':
      return fc.oneof(leaf('string'), access);
    case 'entity':
      return fc.oneof(
        leaf('entity'),
        access,
        fc
          .tuple(p(e('bool')), p(e('entity')), p(e('entity')))
          .map(([c, t, f]) => `if ${c} then ${t} else ${f}`),
      );
    case 'set':
      return fc.oneof(
        fc.array(fc.oneof(e('any'), e('entity')), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
        fc.array(leaf('entity'), { minLength: 1, maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
        access,
      );
    case 'record':
      return fc.oneof(
        pick(['context']),
        fc.dictionary(pick(['a', 'b', 'n', 's']), e('any'), { maxKeys: 3 }).map(
          (r) =>
            `{${Object.entries(r)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')}}`,
        ),
        access,
      );
    case 'ext':
      return fc.oneof(
        leaf('ext'),
        fc
          .tuple(p(e('ext')), pick(['offset', 'durationSince']), e('ext'))
          .map(([a, m, b]) => `${a}.${m}(${b})`),
        p(e('ext')).map((a) => `${a}.toDate()`),
        p(e('ext')).map((a) => `${a}.toTime()`),
        fc.tuple(pick(['ip', 'decimal', 'datetime', 'duration']), access).map(([f, a]) => `${f}(${a})`),
        access,
      );
    case 'any':
      return fc.oneof(e('bool'), e('long'), e('string'), e('entity'), e('set'), e('record'), e('ext'));
  }
}

function leaf(kind: Kind): fc.Arbitrary<string> {
  switch (kind) {
    case 'bool':
      return pick(['true', 'false']);
    case 'long':
      return pick(LONGS).map(String);
    case 'string':
      return pick(STRINGS).map(q);
    case 'entity':
      return fc.oneof(entityLiteral, variable);
    case 'set':
      return pick(['[]', '[1, 2]', '["a", "b"]', `[${uid('Group', 'g0')}]`]);
    case 'record':
      return pick(['context', '{}', '{a: 1}', '{n: 1, s: "a"}']);
    case 'ext':
      return fc.oneof(
        pick(IPS).map((s) => `ip(${q(s)})`),
        pick(DECIMALS).map((s) => `decimal(${q(s)})`),
        pick(DATETIMES).map((s) => `datetime(${q(s)})`),
        pick(DURATIONS).map((s) => `duration(${q(s)})`),
      );
    case 'any':
      return fc.oneof(
        leaf('bool'),
        leaf('long'),
        leaf('string'),
        leaf('entity'),
        leaf('set'),
        leaf('record'),
        leaf('ext'),
      );
  }
}

const scopeEntity = (types: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    ...types.map((t) =>
      pick(t === 'User' ? USERS : t === 'Group' ? GROUPS : t === 'Doc' ? DOCS : FOLDERS).map((id) =>
        uid(t, id),
      ),
    ),
  );

function scope(variableName: 'principal' | 'resource', types: string[]): fc.Arbitrary<string> {
  // Unconstrained scopes weigh most, so that conditions get evaluated in most cases.
  return fc.oneof(
    { arbitrary: fc.constant(variableName), weight: 4 },
    scopeEntity(types).map((e) => `${variableName} == ${e}`),
    scopeEntity(types).map((e) => `${variableName} in ${e}`),
    pick(types).map((t) => `${variableName} is ${t}`),
    fc.tuple(pick(types), scopeEntity(types)).map(([t, e]) => `${variableName} is ${t} in ${e}`),
  );
}

const actionScope = fc.oneof(
  { arbitrary: fc.constant('action'), weight: 3 },
  pick(ACTIONS).map((a) => `action == ${uid('Action', a)}`),
  pick(ACTIONS).map((a) => `action in ${uid('Action', a)}`),
  fc
    .subarray(ACTIONS, { minLength: 1 })
    .map((as) => `action in [${as.map((a) => uid('Action', a)).join(', ')}]`),
);

const clause = fc.tuple(pick(['when', 'unless']), expr('bool', 3)).map(([k, body]) => `${k} { ${body} }`);

/** One policy's text, without its `@id`. */
export const policyText: fc.Arbitrary<string> = fc
  .tuple(
    pick(['permit', 'forbid']),
    scope('principal', ['User', 'Group']),
    actionScope,
    scope('resource', ['Doc', 'Folder']),
    fc.array(clause, { maxLength: 2 }),
  )
  .map(
    ([effect, p, a, r, clauses]) => `${effect}(${p}, ${a}, ${r})${clauses.map((c) => `\n  ${c}`).join('')};`,
  );

/** Attribute values as entity data: well-formed Cedar JSON of every type. */
const attrValue: fc.Arbitrary<unknown> = fc.oneof(
  pick(LONGS),
  pick(STRINGS),
  fc.boolean(),
  pick(USERS).map((id) => ({ __entity: { type: 'User', id } })),
  fc.subarray(STRINGS, { maxLength: 3 }),
  fc.record({ n: pick(LONGS), s: pick(STRINGS) }, { requiredKeys: [] }),
  // Entity data must parse (cedar-wasm refuses the whole request otherwise): valid inputs only.
  pick(['10.0.0.1', '10.0.0.0/8', '192.168.1.1/24', '::1', 'ff02::1', '::/0']).map((arg) => ({
    __extn: { fn: 'ip', arg },
  })),
  pick(['0.0', '1.5', '-1.5', '1.2345', '01.0']).map((arg) => ({ __extn: { fn: 'decimal', arg } })),
  pick(['2024-01-01', '2024-01-01T12:30:00Z', '1969-12-31T23:00:00-0100']).map((arg) => ({
    __extn: { fn: 'datetime', arg },
  })),
  pick(['1d', '2h30m', '-1h', '0ms']).map((arg) => ({ __extn: { fn: 'duration', arg } })),
);
const attrs = fc.dictionary(pick(ATTRS), attrValue, { maxKeys: 3 });
const tags = fc.option(fc.dictionary(pick(['k', 'j']), attrValue, { maxKeys: 2 }), { nil: undefined });

/** An entity, maybe absent; parents only of a higher rank, so the hierarchy has no cycles. */
function entity(
  type: string,
  id: string,
  parents: fc.Arbitrary<string[]>,
  parentType: string,
): fc.Arbitrary<CedarEntityJson | null> {
  return fc.option(
    fc.record({ attrs, parents, tags }).map(({ attrs: a, parents: ps, tags: t }) => ({
      uid: { type, id },
      attrs: a,
      parents: ps.map((p) => ({ type: parentType, id: p })),
      ...(t !== undefined && { tags: t }),
    })),
    { freq: 5 },
  );
}

const entityStore: fc.Arbitrary<CedarEntityJson[]> = fc
  .tuple(
    fc.tuple(...USERS.map((u) => entity('User', u, fc.subarray(GROUPS, { maxLength: 2 }), 'Group'))),
    fc.tuple(
      ...GROUPS.map((g, i) =>
        entity(
          'Group',
          g,
          fc.subarray(GROUPS.slice(i + 1), { maxLength: Math.min(2, GROUPS.length - i - 1) }),
          'Group',
        ),
      ),
    ),
    fc.tuple(...DOCS.map((d) => entity('Doc', d, fc.subarray(FOLDERS, { maxLength: 2 }), 'Folder'))),
    fc.tuple(
      ...FOLDERS.map((f, i) =>
        entity(
          'Folder',
          f,
          fc.subarray(FOLDERS.slice(i + 1), { maxLength: Math.min(1, FOLDERS.length - i - 1) }),
          'Folder',
        ),
      ),
    ),
  )
  .map((groups) => [
    ...groups.flat().filter((e): e is CedarEntityJson => e !== null),
    ...ACTIONS.map((a) => ({
      uid: { type: 'Action', id: a },
      attrs: {},
      parents: (ACTION_PARENTS[a] ?? []).map((p) => ({ type: 'Action', id: p })),
    })),
  ]);

export interface CedarCaseRequest {
  readonly principal: { type: string; id: string };
  readonly action: { type: string; id: string };
  readonly resource: { type: string; id: string };
  readonly context: Record<string, unknown>;
}

const request: fc.Arbitrary<CedarCaseRequest> = fc.record({
  principal: fc.oneof(
    pick([...USERS, 'zz']).map((id) => ({ type: 'User', id })),
    pick(GROUPS).map((id) => ({ type: 'Group', id })),
  ),
  action: pick(ACTIONS).map((id) => ({ type: 'Action', id })),
  resource: fc.oneof(
    pick(DOCS).map((id) => ({ type: 'Doc', id })),
    pick(FOLDERS).map((id) => ({ type: 'Folder', id })),
  ),
  context: attrs,
});

/** One case: a policy set (ids p0, p1, …), an entity store, and requests decided against both. */
export interface CedarCase {
  readonly policies: readonly string[];
  readonly entities: readonly CedarEntityJson[];
  readonly requests: readonly CedarCaseRequest[];
}

export const cedarCase: fc.Arbitrary<CedarCase> = fc.record({
  policies: fc.array(policyText, { minLength: 1, maxLength: 4 }),
  entities: entityStore,
  requests: fc.array(request, { minLength: 1, maxLength: 3 }),
});

/** A decision reduced to what is compared: ids sorted, as cedar-wasm reports sets in no fixed order. */
export interface Outcome {
  readonly decision: string;
  readonly determining: readonly string[];
  readonly errors: readonly string[];
}

/** The policy set as one Cedar text, each policy named by `@id`. */
export function policySetText(policies: readonly string[]): string {
  return policies.map((p, i) => `@id("p${i}")\n${p}`).join('\n\n');
}

/** Decides every request of a case with cedar-wasm (the reference). */
export function referenceOutcomes(c: CedarCase): Outcome[] {
  const staticPolicies = Object.fromEntries(c.policies.map((p, i) => [`p${i}`, p]));
  return c.requests.map((r) => {
    const answer = cedar.isAuthorized({
      principal: r.principal,
      action: r.action,
      resource: r.resource,
      context: r.context as cedar.Context,
      policies: { staticPolicies },
      entities: c.entities as cedar.EntityJson[],
    });
    if (answer.type === 'failure') {
      throw new Error(`cedar-wasm refused the case: ${answer.errors.map((e) => e.message).join('; ')}`);
    }
    return {
      decision: answer.response.decision,
      determining: [...answer.response.diagnostics.reason].sort(),
      errors: answer.response.diagnostics.errors.map((e) => e.policyId).sort(),
    };
  });
}

/** Decides every request of a case with Steward's compiled evaluator. */
export function stewardOutcomes(c: CedarCase): Outcome[] {
  const loaded = loadCedar({ policies: policySetText(c.policies) });
  const entities = new CedarEntities(c.entities);
  return c.requests.map((r) => {
    let context: ReturnType<typeof contextFromJson> | undefined;
    const response = loaded.set.authorize({
      principal: new EntityUid(r.principal.type, r.principal.id),
      action: new EntityUid(r.action.type, r.action.id),
      resource: new EntityUid(r.resource.type, r.resource.id),
      context: () => (context ??= contextFromJson(r.context)),
      entities,
    });
    return {
      decision: response.decision,
      determining: [...response.determining].sort(),
      errors: response.errors.map((e) => e.policyId).sort(),
    };
  });
}
