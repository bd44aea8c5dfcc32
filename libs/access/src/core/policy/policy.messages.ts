// User-facing text of the policy engine. Messages name ids and paths, never request data.

/** Heading of a failed load; the issues follow one per line. */
export const policyInvalid = (count: number): string =>
  `Policy set rejected: ${count} issue${count === 1 ? '' : 's'} (the previous set stays live)`;

export const policyFileUnreadable = (path: string, cause: string): string =>
  `Cannot read policy file ${path}: ${cause}`;
export const policyFileNotJson = (path: string, cause: string): string =>
  `Policy file ${path} is not valid JSON: ${cause}`;
export const policyFileShape = (path: string): string =>
  `Policy file ${path} must hold a JSON array of policies or an object { "policies": [...] }`;
export const policyFileTooLarge = (path: string, max: number): string =>
  `Policy file ${path} is larger than ${max} bytes`;

export const engineOptionsInvalid = 'PolicyEngine';

export const issue = {
  notObject: 'must be an object',
  notArray: 'must be an array',
  notString: 'must be a non-empty string',
  unknownKey: (key: string): string => `unknown key ${JSON.stringify(key)}`,
  prototypeKey: (key: string): string => `forbidden key ${JSON.stringify(key)}`,
  duplicateId: (id: string): string => `duplicate policy id ${JSON.stringify(id)}`,
  idFormat: 'must be 1-128 characters of letters, digits, and . _ : / -',
  effect: 'must be "permit" or "forbid"',
  emptyActions: 'must list at least one action',
  unknownAction: (action: string): string => `unknown action ${JSON.stringify(action)}`,
  wildcardMatchesNothing: (pattern: string): string =>
    `wildcard ${JSON.stringify(pattern)} matches no declared action`,
  unknownResourceType: (type: string): string => `unknown resource type ${JSON.stringify(type)}`,
  notScalar: 'must be a string, number, boolean or null',
  tooDeep: (max: number): string => `condition nests deeper than ${max}`,
  oneOperator: 'must have exactly one operator key',
  unknownOperator: (key: string): string => `unknown operator ${JSON.stringify(key)}`,
  pair: 'must be an array of two operands',
  emptyList: 'must not be empty',
  tooLong: (max: number): string => `must have at most ${max} entries`,
  badRef: (ref: string): string => `invalid reference ${JSON.stringify(ref)}`,
  badOperand: 'must be a scalar, a list of scalars, or { "ref": "…" }',
  badCidr: 'must be a CIDR like "10.0.0.0/8" or "fd00::/8"',
  badTime: 'must be a time "HH:MM"',
  badTz: 'only "UTC" is supported',
  notPolicyList: 'the policy set must be an array',
} as const;
