/** A scalar a policy compares against: JSON's primitives. */
export type PolicyLiteral = string | number | boolean | null;

/**
 * A path into the request, resolved at evaluation time:
 * `principal.id | principal.roles | principal.tenant | principal.authMethod | principal.attributes.<k>[.<k>…]`,
 * `resource.type | resource.id | resource.attributes.<k>[.<k>…]`, `context.<k>[.<k>…]`.
 * A missing attribute is an evaluation error (deny); guard optional ones with `{ has: … }`.
 */
export interface PolicyRef {
  readonly ref: string;
}

/** A literal (scalar or list of scalars) or a reference into the request. */
export type PolicyOperand = PolicyLiteral | readonly PolicyLiteral[] | PolicyRef;

/** A pair of operands compared by a binary operator. */
export type PolicyOperandPair = readonly [PolicyOperand, PolicyOperand];

/**
 * A condition: a small JSON AST, evaluated without `eval`. Exactly one key per node.
 * `lt/lte/gt/gte` compare numbers; `in` tests membership of the left operand in the right list;
 * `cidr` matches an IPv4/IPv6 address against a literal CIDR; `timeWindow` tests the request's
 * `context.time` (or the engine's clock) against a daily UTC window, `from` inclusive, `to` exclusive,
 * wrapping midnight when `from > to`.
 */
export type PolicyCondition =
  | { readonly all: readonly PolicyCondition[] }
  | { readonly any: readonly PolicyCondition[] }
  | { readonly not: PolicyCondition }
  | { readonly has: string }
  | { readonly eq: PolicyOperandPair }
  | { readonly ne: PolicyOperandPair }
  | { readonly in: PolicyOperandPair }
  | { readonly lt: PolicyOperandPair }
  | { readonly lte: PolicyOperandPair }
  | { readonly gt: PolicyOperandPair }
  | { readonly gte: PolicyOperandPair }
  | { readonly startsWith: PolicyOperandPair }
  | { readonly cidr: readonly [PolicyOperand, string] }
  | { readonly timeWindow: { readonly from: string; readonly to: string; readonly tz?: 'UTC' } };

/** Who a policy applies to; every given field must match (roles: any one of them). Omitted: anyone. */
export interface PolicyPrincipalMatch {
  readonly ids?: readonly string[];
  readonly roles?: readonly string[];
  readonly tenant?: string;
}

/** What a policy applies to; every given field must match. Omitted: any resource. */
export interface PolicyResourceMatch {
  readonly type?: string;
  readonly ids?: readonly string[];
  /** Each attribute must equal the resource's attribute of the same name (scalars only). */
  readonly attributes?: Readonly<Record<string, PolicyLiteral>>;
}

/** One policy, as plain JSON data. */
export interface PolicyDefinition {
  readonly id: string;
  readonly effect: 'permit' | 'forbid';
  readonly principal?: PolicyPrincipalMatch;
  /** Declared actions, `prefix:*` (every declared action starting with `prefix:`) or `*`. */
  readonly actions: readonly string[];
  readonly resource?: PolicyResourceMatch;
  readonly when?: PolicyCondition;
  readonly description?: string;
}
