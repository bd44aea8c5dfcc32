// Cedar decisions per CPU-second: Steward's compiled evaluator (CedarPolicyEngine.evaluate, the guard's
// path from an AccessRequest) against cedar-wasm's statefulIsAuthorized on a preparsed policy set (its
// best case) and against CASL with every user's ability kept (its best case; the target's peer), on the
// same 1,000 rules and the same requests. A second CASL row builds the ability per request, as NestJS's
// authorization recipe (PoliciesGuard -> createForUser) and nest-casl do. Then the scale curve of
// per-principal / per-resource grants, 100 -> 100,000 on one action. Run with `npm run bench` or
// `node dist/bench/run.js cedar`.
import { pathToFileURL } from 'node:url';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { AbilityBuilder, createMongoAbility, subject, type MongoAbility } from '@casl/ability';
import { CedarPolicyEngine, type AccessRequest, type Principal } from '@steward/access';
import { median, printTable } from './support/bench-table.js';
import { seededRandom } from './support/virtual-time.js';

const RULES = 1_000;
const TYPES = Array.from({ length: 10 }, (_, i) => `type${i}`);
const VERBS = Array.from({ length: 20 }, (_, i) => `verb${i}`);
const ROLES = ['admin', 'ops', 'reader', 'auditor'];
const REGIONS = ['eu', 'us', 'apac'];
const REQUESTS = 2_048;
const PRINCIPALS = 200;
const ROUNDS = 5;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 250);
const GRANT_STEPS = [100, 1_000, 10_000, 100_000];

interface Rule {
  id: string;
  effect: 'permit' | 'forbid';
  role: string;
  type: string;
  action: string;
  match: { region: string } | 'owner' | undefined;
}

function makeRules(random: () => number): Rule[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return Array.from({ length: RULES }, (_, i) => {
    const type = pick(TYPES);
    const r = random();
    return {
      id: `rule-${i}`,
      effect: random() < 0.25 ? 'forbid' : 'permit',
      role: pick(ROLES),
      type,
      action: `${type}:${pick(VERBS)}`,
      match: r < 0.4 ? { region: pick(REGIONS) } : r < 0.7 ? 'owner' : undefined,
    };
  });
}

function cedarText(rules: readonly Rule[]): string {
  return rules
    .map((rule) => {
      const condition =
        typeof rule.match === 'object'
          ? ` when { resource.region == ${JSON.stringify(rule.match.region)} }`
          : rule.match === 'owner'
            ? ' when { resource.owner == principal }'
            : '';
      return `@id(${JSON.stringify(rule.id)})\n${rule.effect}(principal in Role::${JSON.stringify(rule.role)}, action == Action::${JSON.stringify(rule.action)}, resource is ${rule.type})${condition};`;
    })
    .join('\n');
}

function cedarSchema(): string {
  const actions = TYPES.map(
    (t) =>
      `action ${VERBS.map((v) => JSON.stringify(`${t}:${v}`)).join(', ')} appliesTo { principal: [User], resource: [${t}] };`,
  );
  return [
    'entity Role;',
    'entity User in [Role];',
    ...TYPES.map((t) => `entity ${t} { region: String, owner: User };`),
    ...actions,
  ].join('\n');
}

/** CASL's idiom: one ability per user, `can` first and `cannot` after (forbid overrides, as in Cedar). */
function caslAbility(rules: readonly Rule[], principal: Principal, login: string): MongoAbility {
  const { can, cannot, build } = new AbilityBuilder(createMongoAbility);
  const mine = rules.filter((r) => principal.roles.includes(r.role));
  const conditions = (rule: Rule): Record<string, string> | undefined =>
    typeof rule.match === 'object'
      ? { region: rule.match.region }
      : rule.match === 'owner'
        ? { owner: login }
        : undefined;
  for (const rule of [
    ...mine.filter((r) => r.effect === 'permit'),
    ...mine.filter((r) => r.effect === 'forbid'),
  ]) {
    const c = conditions(rule);
    const add = rule.effect === 'permit' ? can : cannot;
    if (c) add(rule.action, rule.type, c);
    else add(rule.action, rule.type);
  }
  return build();
}

/** Decisions per CPU-second of this process over about ROUND_MS of wall time. */
function timeRound(decideAll: () => number, perCall: number): number {
  let sink = 0;
  let calls = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  do {
    sink += decideAll();
    calls++;
  } while (performance.now() - start < ROUND_MS);
  const cpu = process.cpuUsage(cpuStart);
  if (sink < 0) console.log(sink);
  return (calls * perCall) / ((cpu.user + cpu.system) / 1e6);
}

interface Contender {
  name: string;
  fn: () => number;
  per: number;
  samples: number[];
}

/** Warm up, then alternate rounds so background load hits all alike; medians. */
function race(contenders: Contender[]): void {
  for (const c of contenders) timeRound(c.fn, c.per);
  for (let round = 0; round < ROUNDS; round++)
    for (const c of contenders) c.samples.push(timeRound(c.fn, c.per));
}

async function comparePeers(): Promise<void> {
  const random = seededRandom(0x5eed);
  const rules = makeRules(random);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const principals: Principal[] = Array.from({ length: PRINCIPALS }, (_, i) => {
    const first = pick(ROLES);
    const roles = random() < 0.5 ? [first] : [...new Set([first, pick(ROLES)])];
    return { id: `jwt:user-${i}`, roles, attributes: {}, authMethod: 'jwt' };
  });
  const engine = new CedarPolicyEngine({ policies: cedarText(rules), schema: cedarSchema() });
  const preparsed = cedar.preparsePolicySet('bench', { staticPolicies: cedarText(rules) });
  if (preparsed.type !== 'success') throw new Error('cedar-wasm could not parse the bench policies');
  const login = (p: Principal): string => p.id.slice('jwt:'.length);
  const abilities = new Map(principals.map((p) => [p.id, caslAbility(rules, p, login(p))]));

  const requests = Array.from({ length: REQUESTS }, (_, i) => {
    const principal = pick(principals);
    const type = pick(TYPES);
    const action = `${type}:${pick(VERBS)}`;
    const owner = random() < 0.5 ? login(principal) : 'someone';
    const region = pick(REGIONS);
    const steward: AccessRequest = {
      principal,
      action,
      resource: {
        type,
        id: `r${i}`,
        attributes: { region, owner: { __entity: { type: 'User', id: owner } } },
      },
    };
    const wasm: cedar.StatefulAuthorizationCall = {
      principal: { type: 'User', id: login(principal) },
      action: { type: 'Action', id: action },
      resource: { type, id: `r${i}` },
      context: {},
      preparsedPolicySetId: 'bench',
      entities: [
        {
          uid: { type: 'User', id: login(principal) },
          attrs: {},
          parents: principal.roles.map((r) => ({ type: 'Role', id: r })),
        },
        {
          uid: { type, id: `r${i}` },
          attrs: { region, owner: { __entity: { type: 'User', id: owner } } },
          parents: [],
        },
      ],
    };
    return { steward, wasm, action, subject: subject(type, { id: `r${i}`, region, owner }) };
  });

  // Same answers from all three, or the comparison means nothing.
  let allowed = 0;
  for (const [i, r] of requests.entries()) {
    const a = engine.evaluate(r.steward).allowed;
    const answer = cedar.statefulIsAuthorized(r.wasm);
    const b = answer.type === 'success' && answer.response.decision === 'allow';
    const c = abilities.get(r.steward.principal.id)!.can(r.action, r.subject);
    if (a !== b || a !== c)
      throw new Error(`cedar bench: engines disagree on request ${i} (${a}, ${b}, ${c})`);
    if (a) allowed++;
  }

  const wasmBatch = requests.slice(0, 64);
  const caslBatch = requests.slice(0, 256);
  const contenders: Contender[] = [
    {
      name: 'steward CedarPolicyEngine',
      per: requests.length,
      fn: () => {
        let n = 0;
        for (const r of requests) if (engine.evaluate(r.steward).allowed) n++;
        return n;
      },
    },
    {
      name: 'cedar-wasm statefulIsAuthorized',
      per: wasmBatch.length,
      fn: () => {
        let n = 0;
        for (const r of wasmBatch) {
          const answer = cedar.statefulIsAuthorized(r.wasm);
          if (answer.type === 'success' && answer.response.decision === 'allow') n++;
        }
        return n;
      },
    },
    {
      name: 'casl, ability built per request',
      per: caslBatch.length,
      fn: () => {
        let n = 0;
        for (const r of caslBatch) {
          const ability = caslAbility(rules, r.steward.principal, login(r.steward.principal));
          if (ability.can(r.action, r.subject)) n++;
        }
        return n;
      },
    },
    {
      name: `casl, ${PRINCIPALS} abilities kept`,
      per: requests.length,
      fn: () => {
        let n = 0;
        for (const r of requests) if (abilities.get(r.steward.principal.id)!.can(r.action, r.subject)) n++;
        return n;
      },
    },
  ].map((c) => ({ ...c, samples: [] }));
  race(contenders);
  const rates = contenders.map((c) => median(c.samples));
  const [own, wasm, caslPerRequest, casl] = rates as [number, number, number, number];
  printTable(
    `cedar: decisions per CPU-second, ${RULES} rules (${TYPES.length} types x ${VERBS.length} verbs, ${ROLES.length} roles, ` +
      `~25% forbid, ~70% with a condition), ${REQUESTS} requests (${((allowed / REQUESTS) * 100).toFixed(0)}% allowed), ` +
      `median of ${ROUNDS} alternating rounds`,
    ['engine', 'decisions/s', 'µs/decision'],
    contenders.map((c, i) => {
      const rate = rates[i]!;
      return [c.name, Math.round(rate).toLocaleString('en-US'), (1e6 / rate).toFixed(3)];
    }),
  );
  console.log(`  steward / cedar-wasm: ${(own / wasm).toFixed(0)}x (target >= 100x)`);
  console.log(`  steward / casl, abilities kept:       ${(own / casl).toFixed(2)}x (target >= 3x)`);
  console.log(`  steward / casl, ability per request:  ${(own / caslPerRequest).toFixed(0)}x`);
}

/** Per-principal / per-resource grants on one action: decision time and load time, 100 -> 100,000. */
async function grantCurve(): Promise<void> {
  const schema = 'entity User; entity Doc; action read appliesTo { principal: [User], resource: [Doc] };';
  const rows: (string | number)[][] = [];
  for (const grants of GRANT_STEPS) {
    const random = seededRandom(grants);
    const users = Math.max(10, grants / 10);
    const docs = Math.max(10, grants / 5);
    const staticPolicies: Record<string, object> = {};
    const pairs: [number, number][] = [];
    for (let i = 0; i < grants; i++) {
      const u = Math.floor(random() * users);
      const d = Math.floor(random() * docs);
      pairs.push([u, d]);
      staticPolicies[`grant-${i}`] = {
        effect: 'permit',
        principal: { op: '==', entity: { type: 'User', id: `u${u}` } },
        action: { op: '==', entity: { type: 'Action', id: 'read' } },
        resource: { op: '==', entity: { type: 'Doc', id: `d${d}` } },
        conditions: [],
      };
    }
    const loadStart = performance.now();
    const engine = new CedarPolicyEngine({
      policies: { staticPolicies },
      schema,
      principalTypes: { jwt: 'User' },
    });
    const loadMs = performance.now() - loadStart;
    // Half the requests hit a grant, half miss.
    const requests: AccessRequest[] = Array.from({ length: 1_024 }, (_, i) => {
      const [u, d] =
        i % 2 === 0 ? pairs[Math.floor(random() * pairs.length)]! : [Math.floor(random() * users), docs + i];
      return {
        principal: { id: `jwt:u${u}`, roles: [], attributes: {}, authMethod: 'jwt' },
        action: 'read',
        resource: { type: 'Doc', id: `d${d}` },
      };
    });
    const fn = (): number => {
      let n = 0;
      for (const r of requests) if (engine.evaluate(r).allowed) n++;
      return n;
    };
    const samples: number[] = [];
    timeRound(fn, requests.length);
    for (let round = 0; round < ROUNDS; round++) samples.push(timeRound(fn, requests.length));
    const rate = median(samples);
    rows.push([
      grants.toLocaleString('en-US'),
      (1e6 / rate).toFixed(3),
      loadMs.toFixed(0),
      ((loadMs * 1000) / grants).toFixed(1),
    ]);
  }
  printTable(
    'cedar grants: permit(principal == User::"uN", action == Action::"read", resource == Doc::"dM"), one action; target <= 2 µs at 100,000',
    ['grants', 'µs/decision', 'load ms', 'load µs/grant'],
    rows,
  );
}

/** Runs the benchmark and prints its rows and the ratios. */
export async function run(): Promise<void> {
  await comparePeers();
  await grantCurve();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
