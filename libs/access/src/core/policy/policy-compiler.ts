import type { Decision } from '../interfaces/decision.interface.js';
import type { PolicyLiteral } from './interfaces/policy-definition.interface.js';
import type { PolicyIssue } from './policy.errors.js';
import { issue } from './policy.messages.js';
import {
  compileCondition,
  conditionReadsContext,
  isLiteral,
  isPlainObject,
  PROTOTYPE_KEYS,
  type CompiledCondition,
  type ConditionCompileOptions,
} from './policy-condition.js';

/**
 * A validated policy in the shape the evaluator reads fastest. Every field is always present (possibly
 * undefined) and set in the same order, so all compiled policies share one hidden class and the hot
 * loop stays monomorphic.
 */
export interface CompiledPolicy {
  readonly id: string;
  /** Position in the loaded set, to report several deciding policies in load order. */
  readonly index: number;
  readonly forbid: boolean;
  readonly principalIds: ReadonlySet<string> | undefined;
  readonly roles: readonly string[] | undefined;
  /** Bits of `roles` in the set's role table (see the engine); 0 when some role has no bit. */
  roleMask: number;
  readonly tenant: string | undefined;
  /** Concrete declared actions this policy covers (wildcards expanded). */
  readonly actions: readonly string[];
  /** `undefined`: every resource type. */
  readonly resourceType: string | undefined;
  readonly resourceIds: ReadonlySet<string> | undefined;
  readonly resourceAttributes: readonly (readonly [string, PolicyLiteral])[] | undefined;
  readonly condition: CompiledCondition | undefined;
  /** Whether the condition may read `request.context`. */
  readonly readsContext: boolean;
  /** The decision when this policy alone decides; set by the engine once the set's version is known. */
  decision: Decision | undefined;
}

/** What validating a policy needs: the declared actions (list and set) and resource types. */
export interface PolicyCompileContext extends ConditionCompileOptions {
  readonly actions: readonly string[];
  readonly actionSet: ReadonlySet<string>;
  readonly resourceTypes: ReadonlySet<string>;
}

const POLICY_KEYS = new Set(['id', 'effect', 'principal', 'actions', 'resource', 'when', 'description']);
const PRINCIPAL_KEYS = new Set(['ids', 'roles', 'tenant']);
const RESOURCE_KEYS = new Set(['type', 'ids', 'attributes']);
const ID = /^[A-Za-z0-9._:/-]{1,128}$/;
const MAX_LIST = 10_000;
const MAX_STRING = 1_024;

/**
 * Validates one policy against the declared actions and resource types and compiles it. Every problem
 * goes to `issues`; returns `undefined` when there was any.
 */
export function compilePolicy(
  raw: unknown,
  index: number,
  context: PolicyCompileContext,
  issues: PolicyIssue[],
): CompiledPolicy | undefined {
  const policyId = isPlainObject(raw) && typeof raw.id === 'string' ? raw.id.slice(0, 128) : undefined;
  let failed = false;
  const report = (path: string, message: string): void => {
    failed = true;
    issues.push({ index, ...(policyId !== undefined && { policyId }), path, message });
  };
  if (!isPlainObject(raw)) {
    report('', issue.notObject);
    return undefined;
  }
  checkKeys(raw, POLICY_KEYS, '', report);

  if (typeof raw.id !== 'string' || !ID.test(raw.id)) report('id', issue.idFormat);
  if (raw.effect !== 'permit' && raw.effect !== 'forbid') report('effect', issue.effect);
  if (raw.description !== undefined && typeof raw.description !== 'string')
    report('description', issue.notString);

  const principal = compilePrincipal(raw.principal, report);
  const actions = compileActions(raw.actions, context, report);
  const resource = compileResource(raw.resource, context, report);
  const condition = raw.when === undefined ? undefined : compileCondition(raw.when, 'when', context, report);

  if (failed) return undefined;
  return {
    id: raw.id as string,
    index,
    forbid: raw.effect === 'forbid',
    principalIds: principal.principalIds,
    roles: principal.roles,
    roleMask: 0,
    tenant: principal.tenant,
    actions: actions!,
    resourceType: resource.resourceType,
    resourceIds: resource.resourceIds,
    resourceAttributes: resource.resourceAttributes,
    condition,
    readsContext: raw.when !== undefined && conditionReadsContext(raw.when),
    decision: undefined,
  };
}

type Report = (path: string, message: string) => void;

function checkKeys(
  value: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  path: string,
  report: Report,
): void {
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) report(at, issue.prototypeKey(key));
    else if (!allowed.has(key)) report(at, issue.unknownKey(key));
  }
}

function stringList(value: unknown, path: string, report: Report): string[] | undefined {
  if (!Array.isArray(value)) {
    report(path, issue.notArray);
    return undefined;
  }
  if (value.length > MAX_LIST) {
    report(path, issue.tooLong(MAX_LIST));
    return undefined;
  }
  let ok = true;
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item.length === 0 || item.length > MAX_STRING) {
      report(`${path}[${i}]`, issue.notString);
      ok = false;
    }
  });
  return ok ? (value as string[]) : undefined;
}

function compilePrincipal(
  value: unknown,
  report: Report,
): Partial<Pick<CompiledPolicy, 'principalIds' | 'roles' | 'tenant'>> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    report('principal', issue.notObject);
    return {};
  }
  checkKeys(value, PRINCIPAL_KEYS, 'principal', report);
  const ids = value.ids === undefined ? undefined : stringList(value.ids, 'principal.ids', report);
  const roles = value.roles === undefined ? undefined : stringList(value.roles, 'principal.roles', report);
  const tenant = value.tenant;
  if (
    tenant !== undefined &&
    (typeof tenant !== 'string' || tenant.length === 0 || tenant.length > MAX_STRING)
  ) {
    report('principal.tenant', issue.notString);
  }
  return {
    ...(ids && { principalIds: new Set(ids) }),
    ...(roles && { roles: Object.freeze([...new Set(roles)]) }),
    ...(typeof tenant === 'string' && { tenant }),
  };
}

function compileActions(value: unknown, context: PolicyCompileContext, report: Report): string[] | undefined {
  const list = stringList(value, 'actions', report);
  if (!list) return undefined;
  if (list.length === 0) {
    report('actions', issue.emptyActions);
    return undefined;
  }
  const covered = new Set<string>();
  list.forEach((pattern, i) => {
    if (pattern === '*') {
      for (const action of context.actions) covered.add(action);
    } else if (pattern.endsWith(':*')) {
      const prefix = pattern.slice(0, -1);
      const matched = context.actions.filter((a) => a.startsWith(prefix));
      if (matched.length === 0 || prefix.includes('*'))
        report(`actions[${i}]`, issue.wildcardMatchesNothing(pattern));
      for (const action of matched) covered.add(action);
    } else if (context.actionSet.has(pattern)) {
      covered.add(pattern);
    } else {
      report(`actions[${i}]`, issue.unknownAction(pattern));
    }
  });
  return [...covered];
}

function compileResource(
  value: unknown,
  context: PolicyCompileContext,
  report: Report,
): Partial<Pick<CompiledPolicy, 'resourceType' | 'resourceIds' | 'resourceAttributes'>> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    report('resource', issue.notObject);
    return {};
  }
  checkKeys(value, RESOURCE_KEYS, 'resource', report);
  const type = value.type;
  if (type !== undefined) {
    if (typeof type !== 'string' || type.length === 0) report('resource.type', issue.notString);
    else if (!context.resourceTypes.has(type)) report('resource.type', issue.unknownResourceType(type));
  }
  const ids = value.ids === undefined ? undefined : stringList(value.ids, 'resource.ids', report);
  let attributes: [string, PolicyLiteral][] | undefined;
  if (value.attributes !== undefined) {
    if (!isPlainObject(value.attributes)) {
      report('resource.attributes', issue.notObject);
    } else {
      attributes = [];
      for (const [key, literal] of Object.entries(value.attributes)) {
        if (PROTOTYPE_KEYS.has(key)) report(`resource.attributes.${key}`, issue.prototypeKey(key));
        else if (!isLiteral(literal)) report(`resource.attributes.${key}`, issue.notScalar);
        else attributes.push([key, literal]);
      }
    }
  }
  return {
    ...(typeof type === 'string' && { resourceType: type }),
    ...(ids && { resourceIds: new Set(ids) }),
    ...(attributes && attributes.length > 0 && { resourceAttributes: attributes }),
  };
}
