import { createHash } from 'node:crypto';
import { OptionChecker } from '@steward/common';
import type { AccessRequest, Decision, DecisionReason } from '../interfaces/decision.interface.js';
import { canonicalJson } from '../audit/canonical-json.js';
import type { PolicyDefinition } from './interfaces/policy-definition.interface.js';
import type { PolicyEngineOptions, PolicyReloadInfo } from './interfaces/policy-engine-options.interface.js';
import { compilePolicy, type CompiledPolicy, type PolicyCompileContext } from './policy-compiler.js';
import { PolicyValidationError, type PolicyIssue } from './policy.errors.js';
import { engineOptionsInvalid, issue } from './policy.messages.js';

/** The policies one (resource type, action) pair can match, forbids apart so they are checked first. */
interface Bucket {
  readonly forbids: readonly CompiledPolicy[];
  readonly permits: readonly CompiledPolicy[];
  /**
   * The same lists narrowed to one role set (by role bitmask), built on first use: a principal never
   * visits the policies of roles it does not hold. Bounded; past the bound the full lists serve.
   */
  byRoles: Map<number, Bucket> | undefined;
}

/** One immutable loaded set; a reload replaces the whole object in one assignment. */
interface PolicySet {
  readonly version: string;
  readonly definitions: readonly PolicyDefinition[];
  readonly table: ReadonlyMap<string, ReadonlyMap<string, Bucket>>;
  /** One bit per role named in the set (the first 30), so a role check is one AND. */
  readonly roleBits: ReadonlyMap<string, number>;
  readonly noMatch: Decision;
  readonly error: Decision;
  readonly readsContext: boolean;
}

const DEFAULT_MAX_DEPTH = 8;
const MAX_DEPTH_LIMIT = 64;
const MAX_POLICIES = 100_000;
const NO_IDS: readonly string[] = Object.freeze([]);
const MAX_ROLE_BITS = 30;

/**
 * Cedar-style policy engine: default deny, any matching `forbid` wins over every `permit`, an error
 * while evaluating is a deny. Policies are plain JSON, validated against the declared actions and
 * resource types, indexed by (resource type, action) and swapped atomically on reload.
 */
export class PolicyEngine {
  private readonly compileContext: PolicyCompileContext;
  private readonly listeners = new Set<(info: PolicyReloadInfo) => void>();
  private current: PolicySet;

  constructor(options: PolicyEngineOptions) {
    const checker = new OptionChecker(engineOptionsInvalid);
    const actions = declaredNames(options?.actions, 'actions', checker);
    const resourceTypes = declaredNames(options?.resourceTypes, 'resourceTypes', checker);
    checker.integer('maxConditionDepth', options?.maxConditionDepth, 1, MAX_DEPTH_LIMIT);
    if (options?.now !== undefined && typeof options.now !== 'function')
      checker.add('now', 'must be a function');
    if (options?.onReload !== undefined && typeof options.onReload !== 'function') {
      checker.add('onReload', 'must be a function');
    }
    checker.throwIfAny();

    this.compileContext = {
      actions,
      actionSet: new Set(actions),
      resourceTypes: new Set(resourceTypes),
      maxDepth: options.maxConditionDepth ?? DEFAULT_MAX_DEPTH,
      now: options.now ?? Date.now,
    };
    if (options.onReload) this.listeners.add(options.onReload);
    this.current = this.build([], []);
    if (options.policies) this.load(options.policies);
  }

  /** sha256 (hex) of the canonical JSON of the live policy set, sorted by id. */
  get version(): string {
    return this.current.version;
  }

  /** False while no live policy can read `request.context`: a caller may then leave it out. */
  get readsContext(): boolean {
    return this.current.readsContext;
  }

  /** How many policies are live. */
  get count(): number {
    return this.current.definitions.length;
  }

  /** The live policy set (a frozen copy of what was loaded). */
  policies(): readonly PolicyDefinition[] {
    return this.current.definitions;
  }

  /** Subscribes to successful reloads; returns the unsubscribe function. */
  onReload(listener: (info: PolicyReloadInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Validates every policy, then swaps the live set in one step. Throws one `PolicyValidationError`
   * listing every issue and leaves the previous set serving when anything is wrong.
   */
  load(policies: readonly PolicyDefinition[]): { version: string; count: number } {
    const issues: PolicyIssue[] = [];
    if (!Array.isArray(policies))
      throw new PolicyValidationError([{ index: -1, path: '', message: issue.notPolicyList }]);
    if (policies.length > MAX_POLICIES) {
      throw new PolicyValidationError([{ index: -1, path: '', message: issue.tooLong(MAX_POLICIES) }]);
    }
    const compiled: CompiledPolicy[] = [];
    const seen = new Set<string>();
    policies.forEach((raw, index) => {
      const policy = compilePolicy(raw, index, this.compileContext, issues);
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'string') {
        if (seen.has(id)) issues.push({ index, policyId: id, path: 'id', message: issue.duplicateId(id) });
        seen.add(id);
      }
      if (policy) compiled.push(policy);
    });
    if (issues.length > 0) throw new PolicyValidationError(issues);

    // Copy the data so a caller mutating its array or objects later cannot change the live set.
    const definitions = deepFreeze(structuredClone(policies) as PolicyDefinition[]);
    const previousVersion = this.current.version;
    const next = this.build(definitions, compiled);
    this.current = next;
    const info: PolicyReloadInfo = { version: next.version, count: definitions.length, previousVersion };
    for (const listener of this.listeners) {
      try {
        listener(info);
      } catch {
        // A failing listener (e.g. an audit sink) must not undo or break a reload that already happened.
      }
    }
    return { version: next.version, count: definitions.length };
  }

  /** Decides a request. Synchronous and never throws: anything unexpected is a deny with 'evaluation-error'. */
  evaluate(request: AccessRequest): Decision {
    const set = this.current;
    try {
      const full = set.table.get(request.resource.type)?.get(request.action);
      if (full === undefined) return set.noMatch;
      const { principal, resource } = request;
      const mask = set.roleBits.size === 0 ? 0 : roleMask(set.roleBits, principal.roles);
      const bucket =
        full.byRoles === undefined || mask < 0 ? full : (full.byRoles.get(mask) ?? narrow(full, mask));

      // The common cases (nothing, or exactly one policy, decides) allocate nothing.
      let forbid: CompiledPolicy | undefined;
      let forbidIds: string[] | undefined;
      let errors: CompiledPolicy[] | undefined;
      const forbids = bucket.forbids;
      for (let i = 0; i < forbids.length; i++) {
        const policy = forbids[i]!;
        const outcome = matches(policy, principal, mask, resource, request);
        if (outcome === MATCH) {
          if (forbid === undefined) forbid = policy;
          else (forbidIds ??= [forbid.id]).push(policy.id);
        } else if (outcome === ERROR) (errors ??= []).push(policy);
      }
      if (forbidIds !== undefined) return decision(false, 'forbidden', forbidIds, set.version);
      if (forbid !== undefined) return forbid.decision!;

      let permit: CompiledPolicy | undefined;
      let permitIds: string[] | undefined;
      const permits = bucket.permits;
      for (let i = 0; i < permits.length; i++) {
        const policy = permits[i]!;
        const outcome = matches(policy, principal, mask, resource, request);
        if (outcome === MATCH) {
          if (permit === undefined) permit = policy;
          else (permitIds ??= [permit.id]).push(policy.id);
        } else if (outcome === ERROR) (errors ??= []).push(policy);
      }
      if (errors !== undefined) {
        // Errors come from both passes: report them in load order.
        const ids = errors.sort((a, b) => a.index - b.index).map((p) => p.id);
        return decision(false, 'evaluation-error', ids, set.version);
      }
      if (permitIds !== undefined) return decision(true, 'permitted', permitIds, set.version);
      if (permit !== undefined) return permit.decision!;
      return set.noMatch;
    } catch {
      return set.error;
    }
  }

  private build(definitions: readonly PolicyDefinition[], compiled: readonly CompiledPolicy[]): PolicySet {
    const sorted = [...definitions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const version = createHash('sha256').update(canonicalJson(sorted)).digest('hex');
    const roleBits = new Map<string, number>();
    for (const policy of compiled) {
      if (policy.roles === undefined) continue;
      for (const role of policy.roles) {
        if (!roleBits.has(role) && roleBits.size < MAX_ROLE_BITS) roleBits.set(role, 1 << roleBits.size);
      }
      // A role past the table's size falls back to comparing names for this policy.
      policy.roleMask = policy.roles.every((r) => roleBits.has(r))
        ? policy.roles.reduce((m, r) => m | roleBits.get(r)!, 0)
        : 0;
    }
    for (const policy of compiled) {
      policy.decision = Object.freeze({
        allowed: !policy.forbid,
        reason: policy.forbid ? 'forbidden' : 'permitted',
        policyIds: Object.freeze([policy.id]),
        policyVersion: version,
      });
    }
    const table = new Map<
      string,
      Map<string, { forbids: CompiledPolicy[]; permits: CompiledPolicy[]; byRoles: Bucket['byRoles'] }>
    >();
    for (const type of this.compileContext.resourceTypes) table.set(type, new Map());
    for (const policy of compiled) {
      const types =
        policy.resourceType === undefined ? this.compileContext.resourceTypes : [policy.resourceType];
      for (const type of types) {
        const byAction = table.get(type)!;
        for (const action of policy.actions) {
          let bucket = byAction.get(action);
          if (!bucket) byAction.set(action, (bucket = { forbids: [], permits: [], byRoles: undefined }));
          (policy.forbid ? bucket.forbids : bucket.permits).push(policy);
          if (policy.roleMask !== 0) bucket.byRoles ??= new Map();
        }
      }
    }
    return {
      version,
      definitions,
      table,
      roleBits,
      readsContext: compiled.some((policy) => policy.readsContext),
      noMatch: Object.freeze({
        allowed: false,
        reason: 'no-matching-policy',
        policyIds: NO_IDS,
        policyVersion: version,
      }),
      error: Object.freeze({
        allowed: false,
        reason: 'evaluation-error',
        policyIds: NO_IDS,
        policyVersion: version,
      }),
    };
  }
}

const NO_MATCH = 0;
const MATCH = 1;
const ERROR = 2;
type Outcome = typeof NO_MATCH | typeof MATCH | typeof ERROR;

const MAX_NARROWED = 64;

function narrow(bucket: Bucket, mask: number): Bucket {
  // Policies without roles, or with a role past the bit table, stay: `matches` still checks them.
  const keep = (p: CompiledPolicy): boolean => p.roleMask === 0 || (p.roleMask & mask) !== 0;
  const narrowed: Bucket = {
    forbids: bucket.forbids.filter(keep),
    permits: bucket.permits.filter(keep),
    byRoles: undefined,
  };
  if (bucket.byRoles!.size < MAX_NARROWED) bucket.byRoles!.set(mask, narrowed);
  return narrowed;
}

function roleMask(bits: ReadonlyMap<string, number>, roles: unknown): number {
  if (!Array.isArray(roles)) return -1;
  let mask = 0;
  for (let i = 0; i < roles.length; i++) mask |= bits.get(roles[i] as string) ?? 0;
  return mask;
}

function matches(
  policy: CompiledPolicy,
  principal: AccessRequest['principal'],
  mask: number,
  resource: AccessRequest['resource'],
  request: AccessRequest,
): Outcome {
  if (policy.principalIds !== undefined && !policy.principalIds.has(principal.id)) return NO_MATCH;
  if (policy.tenant !== undefined && principal.tenant !== policy.tenant) return NO_MATCH;
  if (policy.roles !== undefined) {
    if (mask < 0) return ERROR; // principal.roles is not a list
    if (policy.roleMask !== 0) {
      if ((policy.roleMask & mask) === 0) return NO_MATCH;
    } else if (!policy.roles.some((role) => principal.roles.includes(role))) {
      return NO_MATCH;
    }
  }
  if (
    policy.resourceIds !== undefined &&
    (resource.id === undefined || !policy.resourceIds.has(resource.id))
  ) {
    return NO_MATCH;
  }
  if (policy.resourceAttributes !== undefined) {
    const attributes = resource.attributes;
    if (attributes == null) return NO_MATCH;
    const wanted = policy.resourceAttributes;
    for (let i = 0; i < wanted.length; i++) {
      const [key, value] = wanted[i]!;
      if (!Object.hasOwn(attributes, key) || attributes[key] !== value) return NO_MATCH;
    }
  }
  if (policy.condition === undefined) return MATCH;
  try {
    return policy.condition(request) ? MATCH : NO_MATCH;
  } catch {
    // Anything a condition throws (a ConditionError or a hostile getter) means "could not decide".
    return ERROR;
  }
}

function decision(
  allowed: boolean,
  reason: DecisionReason,
  policyIds: readonly string[],
  version: string,
): Decision {
  return { allowed, reason, policyIds, policyVersion: version };
}

function declaredNames(value: unknown, path: string, checker: OptionChecker): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    checker.add(path, 'must be a non-empty array of names');
    return [];
  }
  const names: string[] = [];
  value.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0 || name.length > 256 || name.includes('*')) {
      checker.add(`${path}[${i}]`, 'must be a non-empty name without "*"');
    } else if (names.includes(name)) {
      checker.add(`${path}[${i}]`, `duplicate ${JSON.stringify(name)}`);
    } else {
      names.push(name);
    }
  });
  return names;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
