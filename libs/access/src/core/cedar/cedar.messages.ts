// User-facing text of the Cedar engine. Messages name files, positions, policy ids and Cedar constructs,
// never request data beyond the value that failed.

/** Why an expression could not be evaluated; the policy is then reported as erroring. */
export const evaluation = {
  type: (expected: string, got: string): string => `type error: expected ${expected}, got ${got}`,
  overflow: (what: string): string => `integer overflow while attempting to ${what}`,
  noEntity: (uid: string): string => `entity ${uid} does not exist`,
  noAttribute: (attr: string): string => `attribute ${JSON.stringify(attr)} does not exist`,
  noTag: (uid: string, tag: string): string => `${uid} does not have the tag ${JSON.stringify(tag)}`,
  badData: (what: string): string => `entity or context data is not a Cedar value: ${what}`,
  extension: (fn: string, input: string): string => `${fn}: invalid input ${JSON.stringify(input)}`,
} as const;

/** Why a request was refused before any policy ran (types and attribute names only, never values). */
export const request = {
  nonConforming: (where: string, expected: string, got: string): string =>
    `${where} does not conform to the schema: expected ${expected}, got ${got}`,
  missingAttribute: (where: string): string => `${where} is required by the schema but missing`,
  undeclared: (where: string): string => `${where} is not declared in the schema`,
  unknownAction: (action: string): string => `action ${action} is not in the schema`,
  badParents:
    'the resource parents must be a list of entity references ({ type, id } or { __entity: { type, id } })',
  badParent: (type: string, parent: string): string =>
    `an entity of type ${type} may not have a parent of type ${parent} (the schema's \`in [...]\`)`,
  notInEnum: (type: string): string => `an id of the enumerated type ${type} is not one of its values`,
  undecidable: 'the request could not be decided (the entity provider or the request threw)',
  unmappedPrincipal: "no Cedar entity type for the principal's namespace (principalTypes)",
  notApplicable: (what: 'principal' | 'resource', type: string, action: string): string =>
    `action ${action} does not apply to a ${what} of type ${type}`,
} as const;

/**
 * Heading of a rejected policy set; the issues follow one per line. Said at boot (nothing loaded yet) as
 * at a reload (where the caller keeps the previous set and says so), so it claims neither.
 */
export const cedarInvalid = (count: number): string =>
  `Cedar policy set rejected: ${count} issue${count === 1 ? '' : 's'}; nothing of it was loaded`;

/** One issue as a line: `file:line:column (policy id): message`. */
export const cedarIssueLine = (issue: {
  file?: string;
  line?: number;
  column?: number;
  policyId?: string;
  message: string;
}): string =>
  `${issue.file ?? '(inline)'}${issue.line !== undefined ? `:${issue.line}:${issue.column ?? 1}` : ''}` +
  `${issue.policyId !== undefined ? ` (${issue.policyId})` : ''}: ${issue.message}`;

export const load = {
  unsupported: (what: string): string => `unsupported: ${what}`,
  templates: 'templates (policies with ?principal or ?resource slots) are not supported yet',
  unsafeLong: (value: number): string =>
    `the integer literal ${value} is past ±(2^53-1), which this engine refuses (it cannot be read exactly)`,
  duplicateId: (id: string): string => `duplicate policy id ${JSON.stringify(id)}`,
  implicitIdTaken: (id: string): string =>
    `this policy has no @id, and the name it gets from its position, ${JSON.stringify(id)}, is another policy's id: give it an @id`,
  idTakenFromImplicit: (id: string, line: number | undefined): string =>
    `duplicate policy id ${JSON.stringify(id)}: it is also the name a policy without @id gets from its position` +
    (line === undefined ? '' : ` (line ${line})`),
  badId: (id: string): string =>
    `policy id ${JSON.stringify(id)} refused: an id must be non-empty, without control characters or line breaks`,
  schemaInvalid: 'schema rejected',
  schemaRequired: 'a Cedar schema is required (schema: the text of a .cedarschema file, or its JSON form)',
  notPolicyJson: 'not a Cedar policy in JSON form',
  staticPoliciesText:
    'staticPolicies holds Cedar text: put Cedar text in a .cedar file (or pass it as the policies string); in JSON, staticPolicies maps ids to policies in JSON form',
  policySetField: (key: string, found: string): string =>
    `not a Cedar policy set in JSON form: ${key} is ${found} (expected ${key === 'templateLinks' ? 'an array' : 'an object'})`,
  notPolicySetJson: (found: readonly string[]) =>
    `not a Cedar policy set in JSON form ({ staticPolicies, templates, templateLinks }): found ${found.join(', ')}`,
  tooMany: (max: number): string => `more than ${max} policies`,
  fileUnreadable: (path: string, cause: string): string => `cannot read ${path}: ${cause}`,
  fileTooLarge: (path: string, max: number): string => `${path} is larger than ${max} bytes`,
  fileKind: (path: string): string =>
    `${path}: expected a .cedar or .cedar.json policy file (or .cedarschema / .cedarschema.json schema)`,
  notJson: (cause: string): string => `not valid JSON: ${cause}`,
  /** A `.cedar.json` or `.cedarschema.json` file holding a JSON string, number … instead of an object. */
  jsonNotObject: (path: string, found: string): string =>
    `${path}: expected a JSON object, found ${found} (Cedar text belongs in a .cedar or .cedarschema file)`,
} as const;
