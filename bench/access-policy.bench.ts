// Decisions per second on a 1,000-rule policy set: Steward's PolicyEngine against @casl/ability on
// equivalent rules, in the same run. Run with `npm run bench` (bench/run.ts) or on its own:
// `node dist/bench/access-policy.bench.js`.
import { pathToFileURL } from 'node:url';
import { AbilityBuilder, createMongoAbility, subject, type MongoAbility } from '@casl/ability';
import { PolicyEngine, type AccessRequest, type PolicyDefinition, type Principal } from '@steward/access';

const RULES = 1_000;
const TYPES = Array.from({ length: 10 }, (_, i) => `type${i}`);
const VERBS = Array.from({ length: 20 }, (_, i) => `verb${i}`);
const ACTIONS = TYPES.flatMap((t) => VERBS.map((v) => `${t}:${v}`));
const ROLES = ['admin', 'ops', 'reader', 'auditor'];
const REQUESTS = 4_096;
const PRINCIPALS = 200;
// Building a CASL ability from hundreds of rules is slow: time a smaller batch of that variant.
const PER_REQUEST_BATCH = 32;
const ROUNDS = 5;
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 250);

/** A small deterministic PRNG so both engines see the same rules and requests every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Rule {
  id: string;
  effect: 'permit' | 'forbid';
  role: string;
  type: string;
  action: string;
  /** Resource attribute match (region), or owner = principal, or nothing. */
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
      match: r < 0.4 ? { region: pick(['eu', 'us', 'apac']) } : r < 0.7 ? 'owner' : undefined,
    };
  });
}

function stewardPolicies(rules: readonly Rule[]): PolicyDefinition[] {
  return rules.map((rule) => ({
    id: rule.id,
    effect: rule.effect,
    principal: { roles: [rule.role] },
    actions: [rule.action],
    resource: {
      type: rule.type,
      ...(typeof rule.match === 'object' && { attributes: { region: rule.match.region } }),
    },
    ...(rule.match === 'owner' && {
      when: { eq: [{ ref: 'resource.attributes.owner' }, { ref: 'principal.id' }] },
    }),
  }));
}

/**
 * The idiomatic CASL ability for one user: the rules of the user's roles, `can` first and `cannot`
 * after (CASL lets the last matching rule win, so this gives forbid-overrides like Cedar).
 */
function caslAbility(rules: readonly Rule[], principal: Principal): MongoAbility {
  const { can, cannot, build } = new AbilityBuilder(createMongoAbility);
  const mine = rules.filter((r) => principal.roles.includes(r.role));
  const conditions = (rule: Rule): Record<string, string> | undefined =>
    typeof rule.match === 'object'
      ? { region: rule.match.region }
      : rule.match === 'owner'
        ? { owner: principal.id }
        : undefined;
  for (const rule of mine.filter((r) => r.effect === 'permit')) {
    const c = conditions(rule);
    if (c) can(rule.action, rule.type, c);
    else can(rule.action, rule.type);
  }
  for (const rule of mine.filter((r) => r.effect === 'forbid')) {
    const c = conditions(rule);
    if (c) cannot(rule.action, rule.type, c);
    else cannot(rule.action, rule.type);
  }
  return build();
}

interface Row {
  name: string;
  opsPerSec: number;
}

/**
 * Decisions per second of CPU time used by this process, over about ROUND_MS of wall time. CPU time
 * instead of wall time: on a shared machine other processes then cost a round far less.
 */
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
  if (sink < 0) console.log(sink); // keeps the work observable
  return (calls * perCall) / ((cpu.user + cpu.system) / 1e6);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs the benchmark and prints its rows and the ratios. */
export async function run(): Promise<void> {
  const random = prng(0x5eed);
  const rules = makeRules(random);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const principals: Principal[] = Array.from({ length: PRINCIPALS }, (_, i) => {
    const first = pick(ROLES);
    const roles = random() < 0.5 ? [first] : [...new Set([first, pick(ROLES)])];
    return { id: `user-${i}`, roles, attributes: {}, authMethod: 'bench' };
  });
  const engine = new PolicyEngine({
    actions: ACTIONS,
    resourceTypes: TYPES,
    policies: stewardPolicies(rules),
  });
  // CASL's idiom is one ability per user; the best case keeps every user's ability built.
  const abilities = new Map(principals.map((p) => [p.id, caslAbility(rules, p)]));

  const requests: { steward: AccessRequest; action: string; subject: ReturnType<typeof subject> }[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const principal = pick(principals);
    const type = pick(TYPES);
    const action = `${type}:${pick(VERBS)}`;
    const attributes = {
      region: pick(['eu', 'us', 'apac']),
      owner: random() < 0.5 ? principal.id : 'someone',
    };
    requests.push({
      steward: { principal, action, resource: { type, id: `r${i}`, attributes } },
      action,
      subject: subject(type, { id: `r${i}`, ...attributes }),
    });
  }

  // Same answers, or the comparison means nothing.
  let allowed = 0;
  for (const [i, r] of requests.entries()) {
    const a = engine.evaluate(r.steward).allowed;
    const b = abilities.get(r.steward.principal.id)!.can(r.action, r.subject);
    if (a !== b) throw new Error(`bench: engines disagree on request ${i}`);
    if (a) allowed++;
  }

  const steward = (): number => {
    let n = 0;
    for (const r of requests) if (engine.evaluate(r.steward).allowed) n++;
    return n;
  };
  const caslCached = (): number => {
    let n = 0;
    for (const r of requests) if (abilities.get(r.steward.principal.id)!.can(r.action, r.subject)) n++;
    return n;
  };
  const perRequest = requests.slice(0, PER_REQUEST_BATCH);
  const caslPerRequest = (): number => {
    let n = 0;
    for (const r of perRequest) if (caslAbility(rules, r.steward.principal).can(r.action, r.subject)) n++;
    return n;
  };

  // The single-principal case is CASL's best: one ability, built once, always hot.
  const mine = requests.filter((r) => r.steward.principal === principals[0]);
  const solo = Array.from({ length: REQUESTS }, (_, i) => mine[i % mine.length]!);
  const soloAbility = abilities.get(principals[0]!.id)!;
  const stewardSolo = (): number => {
    let n = 0;
    for (const r of solo) if (engine.evaluate(r.steward).allowed) n++;
    return n;
  };
  const caslSolo = (): number => {
    let n = 0;
    for (const r of solo) if (soloAbility.can(r.action, r.subject)) n++;
    return n;
  };

  // Warm up, then alternate rounds so background load hits all alike; report medians.
  const contenders = [
    { name: `steward, ${PRINCIPALS} principals`, fn: steward, per: REQUESTS },
    { name: `casl, ${PRINCIPALS} abilities kept`, fn: caslCached, per: REQUESTS },
    { name: 'casl, ability per request', fn: caslPerRequest, per: PER_REQUEST_BATCH },
    { name: 'steward, 1 principal', fn: stewardSolo, per: solo.length },
    { name: 'casl, 1 ability kept', fn: caslSolo, per: solo.length },
  ].map((c) => ({ ...c, samples: [] as number[] }));
  for (const c of contenders) timeRound(c.fn, c.per);
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) c.samples.push(timeRound(c.fn, c.per));
  }
  const rows: Row[] = contenders.map((c) => ({ name: c.name, opsPerSec: median(c.samples) }));
  console.log(
    `\naccess-policy: decisions per CPU-second, ${RULES} rules (${TYPES.length} types x ${VERBS.length} verbs, ${ROLES.length} roles, ` +
      `~25% forbid, ~70% with a condition), ${PRINCIPALS} principals, ${REQUESTS} requests ` +
      `(${((allowed / REQUESTS) * 100).toFixed(0)}% allowed), median of ${ROUNDS} rounds`,
  );
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(30)} ${Math.round(row.opsPerSec).toLocaleString('en-US').padStart(14)} decisions/s`,
    );
  }
  const [own, cached, built, ownSolo, caslOne] = rows as [Row, Row, Row, Row, Row];
  const ratio = (a: Row, b: Row): string => `${(a.opsPerSec / b.opsPerSec).toFixed(2)}x`;
  console.log(
    `  ratio steward / casl, ${PRINCIPALS} principals, abilities kept: ${ratio(own, cached)} (target >= 3x)`,
  );
  console.log(`  ratio steward / casl, ability built per request:      ${ratio(own, built)}`);
  console.log(`  ratio steward / casl, 1 principal (CASL's best case):  ${ratio(ownSolo, caslOne)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
