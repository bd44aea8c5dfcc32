import { CedarEvaluationError, CedarRequestError } from './cedar.errors.js';
import { evaluation, load } from './cedar.messages.js';
import {
  compileExpression,
  UnsupportedConstruct,
  type CedarEnv,
  type Evaluator,
} from './cedar-expression.js';
import { typeName, uidFromJson, type EntityUid } from './cedar-value.js';

/** A scope constraint on the principal or the resource. */
export type ScopeConstraint =
  | { readonly op: 'All' }
  | { readonly op: '=='; readonly entity: EntityUid }
  | { readonly op: 'in'; readonly entity: EntityUid }
  | { readonly op: 'is'; readonly type: string; readonly in?: EntityUid };

/** The action's scope constraint: `==` one action, `in` one or several, or any. */
export type ActionConstraint =
  | { readonly op: 'All' }
  | { readonly op: '=='; readonly entity: EntityUid }
  | { readonly op: 'in'; readonly entities: readonly EntityUid[] };

/** One policy, compiled. */
export interface CompiledCedarPolicy {
  readonly id: string;
  /** Position in the set: results list policies in this order. */
  readonly index: number;
  readonly forbid: boolean;
  readonly principal: ScopeConstraint;
  readonly action: ActionConstraint;
  readonly resource: ScopeConstraint;
  /** The `when` / `unless` clauses in order; undefined when there are none. */
  readonly condition: Evaluator | undefined;
  /** True for `action in [A, B, …]`: filed under several actions, so a request may reach it twice. */
  readonly manyActions: boolean;
  /**
   * The type an `is T in E` constraint asks of the principal, else undefined. The index files such a
   * policy under E, so T is checked per request; every other scope constraint is matched by the index.
   */
  readonly principalIsIn: string | undefined;
  /** As `principalIsIn`, for the resource. */
  readonly resourceIsIn: string | undefined;
  /**
   * The answer when exactly this policy decided and nothing errored, built once: the usual outcome
   * of a decision then allocates nothing, and callers may map it to their own shape once, by identity.
   */
  readonly solo: CedarResponse;
}

/** Cedar's answer: the decision, the policies that determined it, the policies that errored. */
export interface CedarResponse {
  readonly decision: 'allow' | 'deny';
  /** On allow the satisfied permits; on deny the satisfied forbids (empty when none). In set order. */
  readonly determining: readonly string[];
  /** Policies whose evaluation failed (skipped, as in Cedar), with why. In set order. */
  readonly errors: readonly { readonly policyId: string; readonly message: string }[];
}

/** A request in Cedar's terms. */
export type CedarRequest = CedarEnv;

/**
 * Compiles one policy from Cedar's JSON form (`policyToJson`). Throws `UnsupportedConstruct` naming
 * what it refuses.
 */
export function compilePolicy(id: string, index: number, json: unknown): CompiledCedarPolicy {
  const policy = json as {
    effect?: unknown;
    principal?: unknown;
    action?: unknown;
    resource?: unknown;
    conditions?: unknown;
  };
  if (
    policy === null ||
    typeof policy !== 'object' ||
    (policy.effect !== 'permit' && policy.effect !== 'forbid')
  ) {
    throw new UnsupportedConstruct(load.notPolicyJson);
  }
  const clauses = Array.isArray(policy.conditions) ? policy.conditions : [];
  const compiled = clauses.map((clause: { kind?: unknown; body?: unknown }) => {
    if (clause?.kind !== 'when' && clause?.kind !== 'unless')
      throw new UnsupportedConstruct(load.notPolicyJson);
    return { when: clause.kind === 'when', body: compileExpression(clause.body) };
  });
  const forbid = policy.effect === 'forbid';
  const principal = scope(policy.principal);
  const resource = scope(policy.resource);
  return {
    id,
    index,
    forbid,
    principal,
    action: actionScope(policy.action),
    resource,
    principalIsIn: principal.op === 'is' && principal.in !== undefined ? principal.type : undefined,
    resourceIsIn: resource.op === 'is' && resource.in !== undefined ? resource.type : undefined,
    condition: compiled.length === 0 ? undefined : conditionOf(compiled),
    manyActions:
      Array.isArray((policy.action as { entities?: unknown }).entities) &&
      (policy.action as { entities: unknown[] }).entities.length > 1,
    solo: Object.freeze({
      decision: forbid ? 'deny' : 'allow',
      determining: Object.freeze([id]),
      errors: NO_ERRORS,
    }),
  };
}

function conditionOf(clauses: readonly { when: boolean; body: Evaluator }[]): Evaluator {
  if (clauses.length === 1 && clauses[0]!.when) {
    // The usual shape, one `when`: no loop (saves a call level per decision).
    const body = clauses[0]!.body;
    return (env) => {
      const value = body(env);
      if (typeof value !== 'boolean')
        throw new CedarEvaluationError(evaluation.type('bool', typeName(value)));
      return value;
    };
  }
  // Cedar joins the clauses with `&&` in order: `when { a } unless { b }` is `a && !b`.
  return (env) => {
    for (const clause of clauses) {
      const value = clause.body(env);
      if (typeof value !== 'boolean')
        throw new CedarEvaluationError(evaluation.type('bool', typeName(value)));
      if (value !== clause.when) return false;
    }
    return true;
  };
}

function uid(value: unknown): EntityUid {
  const parsed = uidFromJson(value);
  if (parsed) return parsed;
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, 'slot')) {
    throw new UnsupportedConstruct(load.templates);
  }
  throw new UnsupportedConstruct(load.notPolicyJson);
}

function scope(value: unknown): ScopeConstraint {
  const c = value as { op?: unknown; entity?: unknown; entity_type?: unknown; in?: { entity?: unknown } };
  if (c?.op === 'All') return { op: 'All' };
  if (c?.op === '==' || c?.op === 'in') {
    if (Object.hasOwn(c, 'slot')) throw new UnsupportedConstruct(load.templates);
    return { op: c.op, entity: uid(c.entity) };
  }
  if (c?.op === 'is' && typeof c.entity_type === 'string') {
    if (c.in === undefined) return { op: 'is', type: c.entity_type };
    if (Object.hasOwn(c.in, 'slot')) throw new UnsupportedConstruct(load.templates);
    return { op: 'is', type: c.entity_type, in: uid(c.in.entity) };
  }
  throw new UnsupportedConstruct(load.notPolicyJson);
}

function actionScope(value: unknown): ActionConstraint {
  const c = value as { op?: unknown; entity?: unknown; entities?: unknown };
  if (c?.op === 'All') return { op: 'All' };
  if (c?.op === '==') return { op: '==', entity: uid(c.entity) };
  if (c?.op === 'in' && c.entity !== undefined) return { op: 'in', entities: [uid(c.entity)] };
  if (c?.op === 'in' && Array.isArray(c.entities)) return { op: 'in', entities: c.entities.map(uid) };
  throw new UnsupportedConstruct(load.notPolicyJson);
}

// ---------------------------------------------------------------------------------------------------
// The index. A decision visits only the policies whose scope can match. Policies are filed under the
// entity their action constraint names, then their principal's, then their resource's (`==` apart from
// `in`; `is T` under its type); a constraint without an entity (`All`) files under `any`. A request
// looks up its own uid under `==` and `in`, each of its ancestors under `in`, its type under `is`, and
// `any`, level by level, and evaluates the policies it reaches as it reaches them. Every policy found
// that way matches its scope by construction, save the type of `is T in E`, checked per policy.

interface Level<Next> {
  /** By entity type, then id; undefined until a policy is filed there (most levels hold one kind). */
  eq: Map<string, Map<string, Next>> | undefined;
  inn: Map<string, Map<string, Next>> | undefined;
  /** `is T` (without `in`), by T. */
  is: Map<string, Next> | undefined;
  any: Next | undefined;
}

type Leaf = CompiledCedarPolicy[];
type ResourceLevel = Level<Leaf>;
type PrincipalLevel = Level<ResourceLevel>;
type ActionLevel = Level<PrincipalLevel>;

function level<Next>(): Level<Next> {
  return { eq: undefined, inn: undefined, is: undefined, any: undefined };
}

function fileUnder<Next>(lvl: Level<Next>, c: ScopeConstraint, make: () => Next): Next {
  if (c.op === 'All') return (lvl.any ??= make());
  if (c.op === 'is' && c.in === undefined) {
    const table = (lvl.is ??= new Map());
    let next = table.get(c.type);
    if (next === undefined) table.set(c.type, (next = make()));
    return next;
  }
  const entity = c.op === 'is' ? c.in! : c.entity;
  return fileUnderEntity(lvl, c.op === '==' ? 'eq' : 'inn', entity, make);
}

function fileUnderEntity<Next>(
  lvl: Level<Next>,
  kind: 'eq' | 'inn',
  entity: EntityUid,
  make: () => Next,
): Next {
  const table = kind === 'eq' ? (lvl.eq ??= new Map()) : (lvl.inn ??= new Map());
  let ids = table.get(entity.type);
  if (!ids) table.set(entity.type, (ids = new Map()));
  let next = ids.get(entity.id);
  if (next === undefined) ids.set(entity.id, (next = make()));
  return next;
}

const NO_ERRORS: CedarResponse['errors'] = Object.freeze([]);
const NO_IDS: readonly string[] = Object.freeze([]);
/** The answer when nothing matched and nothing errored: shared, so callers may map it once. */
export const NO_MATCH: CedarResponse = Object.freeze({
  decision: 'deny',
  determining: NO_IDS,
  errors: NO_ERRORS,
});

/** What one decision has found so far. */
class Tally {
  forbids: CompiledCedarPolicy[] | undefined = undefined;
  permits: CompiledCedarPolicy[] | undefined = undefined;
  errors: { policy: CompiledCedarPolicy; message: string }[] | undefined = undefined;
  /** Policies filed under several actions, once seen (a request may reach them twice). */
  seen: Set<CompiledCedarPolicy> | undefined = undefined;
  principalAncestors: readonly EntityUid[] | undefined = undefined;
  resourceAncestors: readonly EntityUid[] | undefined = undefined;

  constructor(readonly request: CedarRequest) {}
}

/** A compiled, indexed, immutable policy set. */
export class CedarPolicySet {
  private readonly root: ActionLevel = level();

  constructor(readonly policies: readonly CompiledCedarPolicy[]) {
    for (const policy of policies) {
      const a = policy.action;
      const file = (actions: PrincipalLevel): void => {
        const resources = fileUnder(actions, policy.principal, () => level<Leaf>());
        fileUnder(resources, policy.resource, () => []).push(policy);
      };
      if (a.op === 'All') file((this.root.any ??= level()));
      else if (a.op === '==') file(fileUnderEntity(this.root, 'eq', a.entity, () => level()));
      else for (const e of a.entities) file(fileUnderEntity(this.root, 'inn', e, () => level()));
    }
  }

  /**
   * Decides a request: Cedar's semantics, every candidate policy evaluated, errors skipped and reported.
   * Throws `CedarRequestError` when the request's data does not conform to `request.schema`.
   */
  authorize(request: CedarRequest): CedarResponse {
    const tally = new Tally(request);
    const root = this.root;
    const action = request.action;
    // Action first: its constraint is the most selective and always present.
    if (root.eq !== undefined) {
      const next = root.eq.get(action.type)?.get(action.id);
      if (next !== undefined) this.principals(next, tally);
    }
    if (root.inn !== undefined) {
      const inn = root.inn;
      const own = inn.get(action.type)?.get(action.id);
      if (own !== undefined) this.principals(own, tally);
      const ancestors = request.entities.ancestors(action);
      for (let i = 0; i < ancestors.length; i++) {
        const next = inn.get(ancestors[i]!.type)?.get(ancestors[i]!.id);
        if (next !== undefined) this.principals(next, tally);
      }
    }
    if (root.any !== undefined) this.principals(root.any, tally);
    return responseOf(tally);
  }

  private principals(lvl: PrincipalLevel, tally: Tally): void {
    const uid = tally.request.principal;
    if (lvl.eq !== undefined) {
      const next = lvl.eq.get(uid.type)?.get(uid.id);
      if (next !== undefined) this.resources(next, tally);
    }
    if (lvl.inn !== undefined) {
      const inn = lvl.inn;
      const own = inn.get(uid.type)?.get(uid.id);
      if (own !== undefined) this.resources(own, tally);
      const ancestors = (tally.principalAncestors ??= tally.request.entities.ancestors(uid));
      for (let i = 0; i < ancestors.length; i++) {
        const next = inn.get(ancestors[i]!.type)?.get(ancestors[i]!.id);
        if (next !== undefined) this.resources(next, tally);
      }
    }
    if (lvl.is !== undefined) {
      const next = lvl.is.get(uid.type);
      if (next !== undefined) this.resources(next, tally);
    }
    if (lvl.any !== undefined) this.resources(lvl.any, tally);
  }

  private resources(lvl: ResourceLevel, tally: Tally): void {
    const uid = tally.request.resource;
    if (lvl.eq !== undefined) {
      const leaf = lvl.eq.get(uid.type)?.get(uid.id);
      if (leaf !== undefined) evaluate(leaf, tally);
    }
    if (lvl.inn !== undefined) {
      const inn = lvl.inn;
      const own = inn.get(uid.type)?.get(uid.id);
      if (own !== undefined) evaluate(own, tally);
      const ancestors = (tally.resourceAncestors ??= tally.request.entities.ancestors(uid));
      for (let i = 0; i < ancestors.length; i++) {
        const leaf = inn.get(ancestors[i]!.type)?.get(ancestors[i]!.id);
        if (leaf !== undefined) evaluate(leaf, tally);
      }
    }
    if (lvl.is !== undefined) {
      const leaf = lvl.is.get(uid.type);
      if (leaf !== undefined) evaluate(leaf, tally);
    }
    if (lvl.any !== undefined) evaluate(lvl.any, tally);
  }
}

/** Evaluates the policies of one leaf into the tally. */
function evaluate(leaf: Leaf, tally: Tally): void {
  const request = tally.request;
  for (let i = 0; i < leaf.length; i++) {
    const policy = leaf[i]!;
    if (policy.manyActions) {
      if ((tally.seen ??= new Set()).has(policy)) continue;
      tally.seen.add(policy);
    }
    if (policy.principalIsIn !== undefined && policy.principalIsIn !== request.principal.type) continue;
    if (policy.resourceIsIn !== undefined && policy.resourceIsIn !== request.resource.type) continue;
    if (policy.condition !== undefined) {
      try {
        if (policy.condition(request) !== true) continue;
      } catch (error) {
        // A request Cedar would refuse (data not of the schema's types) is no policy's error: it
        // ends the decision.
        if (error instanceof CedarRequestError) throw error;
        (tally.errors ??= []).push({ policy, message: messageOf(error) });
        continue;
      }
    }
    if (policy.forbid) (tally.forbids ??= []).push(policy);
    else (tally.permits ??= []).push(policy);
  }
}

function responseOf(tally: Tally): CedarResponse {
  const { forbids, permits, errors } = tally;
  if (errors === undefined) {
    const decided = forbids ?? permits;
    if (decided === undefined) return NO_MATCH;
    if (decided.length === 1) return decided[0]!.solo;
  }
  const errorList =
    errors === undefined
      ? NO_ERRORS
      : errors
          .sort((a, b) => a.policy.index - b.policy.index)
          .map((e) => ({ policyId: e.policy.id, message: e.message }));
  if (forbids !== undefined) return { decision: 'deny', determining: ids(forbids), errors: errorList };
  if (permits !== undefined) return { decision: 'allow', determining: ids(permits), errors: errorList };
  return { decision: 'deny', determining: NO_IDS, errors: errorList };
}

function ids(policies: CompiledCedarPolicy[]): readonly string[] {
  if (policies.length === 1) return [policies[0]!.id];
  return policies.sort((a, b) => a.index - b.index).map((p) => p.id);
}

function messageOf(error: unknown): string {
  // A hostile getter in entity data may throw anything; it still only makes this policy error.
  return error instanceof Error ? error.message : 'evaluation failed';
}
