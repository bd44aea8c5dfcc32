import { createHash } from 'node:crypto';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { CedarPolicyError, type CedarIssue } from './cedar.errors.js';
import { load } from './cedar.messages.js';
import { CedarEntities, type StoredEntity } from './cedar-entities.js';
import { UnsupportedConstruct } from './cedar-expression.js';
import { CedarPolicySet, compilePolicy, type CompiledCedarPolicy } from './cedar-policy-set.js';
import { byteToCharOffset, lineColumn, splitStatements } from './cedar-source.js';
import { EntityUid } from './cedar-value.js';

/** A policy set in Cedar's JSON form: `{ staticPolicies: { id: policy } }` (templates are refused). */
export interface CedarPolicySetJson {
  readonly staticPolicies?: Readonly<Record<string, unknown>> | readonly unknown[];
  readonly templates?: Readonly<Record<string, unknown>>;
  readonly templateLinks?: readonly unknown[];
}

/** What to load: policies (Cedar text or JSON), and the schema they are validated against. */
export interface CedarLoadInput {
  readonly policies: string | CedarPolicySetJson;
  /** Named in messages, e.g. `policies/app.cedar`. */
  readonly policiesFile?: string;
  /** A Cedar schema, as text (`.cedarschema`) or JSON. Without one nothing is validated (tests only). */
  readonly schema?: string | object;
  readonly schemaFile?: string;
}

/** A loaded, validated, compiled policy set. */
export interface LoadedCedar {
  readonly set: CedarPolicySet;
  /** Ids in set order. */
  readonly ids: readonly string[];
  /** Each policy in Cedar's JSON form, by id (what was compiled). */
  readonly json: Readonly<Record<string, unknown>>;
  /** The schema's actions as entities, with their `memberOf` groups as parents. */
  readonly actions: readonly StoredEntity[];
  /** The schema in Cedar's JSON form (undefined without one). */
  readonly schema: unknown;
  /** sha256 (hex) of the canonical JSON of the policies (sorted by id) and the schema. */
  readonly version: string;
}

const MAX_POLICIES = 200_000;

interface Located {
  readonly id: string;
  /** Offset of the statement in the policy text, when loaded from text. */
  readonly offset: number | undefined;
  /** The policy as cedar-wasm takes it (its text, or its JSON). */
  readonly source: string | object;
  readonly json: unknown;
}

/**
 * Parses and validates policies and schema with cedar-wasm, then compiles them. Throws one
 * `CedarPolicyError` listing every issue, each with the file, line, column and policy id it concerns.
 */
export function loadCedar(input: CedarLoadInput): LoadedCedar {
  const issues: CedarIssue[] = [];
  const schemaJson = input.schema === undefined ? undefined : parseSchema(input, issues);
  const located =
    typeof input.policies === 'string'
      ? fromText(input.policies, input.policiesFile, issues)
      : fromJson(input, issues, input.schema !== undefined);
  if (located.length > MAX_POLICIES)
    issues.push({ file: input.policiesFile, message: load.tooMany(MAX_POLICIES) });
  if (issues.length > 0) throw new CedarPolicyError(issues);

  const at = (id: string | undefined, offset: number | undefined, message: string, bytes = 0): CedarIssue => {
    const policy = located.find((p) => p.id === id);
    const base = offset ?? policy?.offset;
    if (typeof input.policies !== 'string' || base === undefined) {
      // A JSON policy set has no positions worth reporting: the file and the policy id name it.
      return { file: input.policiesFile, ...(id !== undefined && { policyId: id }), message };
    }
    const statement = policy && typeof policy.source === 'string' ? policy.source : '';
    const local = byteToCharOffset(statement, bytes);
    return {
      file: input.policiesFile,
      ...lineColumn(input.policies, base + local),
      ...(id !== undefined && { policyId: id }),
      message,
    };
  };

  const seen = new Set<string>();
  for (const p of located) {
    if (seen.has(p.id)) issues.push(at(p.id, p.offset, load.duplicateId(p.id)));
    seen.add(p.id);
  }
  if (issues.length > 0) throw new CedarPolicyError(issues);

  if (input.schema !== undefined) {
    const staticPolicies = Object.fromEntries(located.map((p) => [p.id, p.source]));
    const answer = cedar.validate({
      schema: input.schema as cedar.Schema,
      policies: { staticPolicies: staticPolicies as Record<string, cedar.Policy> },
      validationSettings: { mode: 'strict' },
    });
    if (answer.type === 'failure') {
      // A JSON set was not parsed apart from validation (it parses too): name the policies now.
      if (typeof input.policies !== 'string') fromJson(input, issues, false);
      if (issues.length === 0)
        for (const e of answer.errors) issues.push(at(undefined, undefined, e.message));
    } else {
      for (const v of answer.validationErrors) {
        issues.push(at(v.policyId, undefined, detail(v.error), v.error.sourceLocations?.[0]?.start ?? 0));
      }
    }
  }

  if (issues.length > 0) throw new CedarPolicyError(issues);

  const compiled: CompiledCedarPolicy[] = [];
  located.forEach((p, index) => {
    try {
      compiled.push(compilePolicy(p.id, index, p.json));
    } catch (error) {
      if (!(error instanceof UnsupportedConstruct)) throw error;
      issues.push(at(p.id, undefined, error.message));
    }
  });
  if (issues.length > 0) throw new CedarPolicyError(issues);

  const json = Object.fromEntries(located.map((p) => [p.id, p.json]));
  const sorted = [...located]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p) => [p.id, p.json]);
  const version = createHash('sha256')
    .update(JSON.stringify({ policies: sorted, schema: schemaJson ?? null }))
    .digest('hex');
  return {
    set: new CedarPolicySet(compiled),
    ids: located.map((p) => p.id),
    json,
    actions: schemaJson === undefined ? [] : actionEntities(schemaJson),
    schema: schemaJson,
    version,
  };
}

function detail(error: cedar.DetailedError): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}

function parseSchema(input: CedarLoadInput, issues: CedarIssue[]): unknown {
  const schema = input.schema as cedar.Schema;
  const answer = cedar.schemaToJson(schema);
  if (answer.type === 'failure') {
    for (const e of answer.errors) {
      const start = e.sourceLocations?.[0]?.start;
      const position =
        typeof schema === 'string' && start !== undefined
          ? lineColumn(schema, byteToCharOffset(schema, start))
          : {};
      issues.push({ file: input.schemaFile, ...position, message: `${load.schemaInvalid}: ${detail(e)}` });
    }
    return undefined;
  }
  return answer.json;
}

const ID_ANNOTATION = /^@id\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/;

function fromText(text: string, file: string | undefined, issues: CedarIssue[]): Located[] {
  // Each statement is parsed on its own (Cedar's lexical grammar has `;` only as a terminator, outside
  // strings and comments); when one fails, the whole text is parsed for Cedar's own positions.
  const statements = splitStatements(text);
  const located: Located[] = [];
  let failed = false;
  statements.forEach((statement, index) => {
    const answer = cedar.policyToJson(statement.text);
    if (answer.type === 'failure') {
      failed = true;
      if (cedar.templateToJson(statement.text).type === 'success') {
        const id = ID_ANNOTATION.exec(statement.text)?.[1];
        issues.push({
          file,
          ...lineColumn(text, statement.offset),
          ...(id !== undefined && { policyId: id }),
          message: load.templates,
        });
      }
      return;
    }
    // Cedar names unannotated policies policy0, policy1 …; `@id("…")` names one explicitly.
    const id = answer.json.annotations?.id ?? `policy${index}`;
    located.push({ id, offset: statement.offset, source: statement.text, json: answer.json });
  });
  if (!failed || issues.length > 0) return located;
  const whole = cedar.checkParsePolicySet({ staticPolicies: text });
  const errors = whole.type === 'failure' ? whole.errors : [];
  for (const e of errors) {
    const offset = byteToCharOffset(text, e.sourceLocations?.[0]?.start ?? 0);
    const statement = [...statements].reverse().find((s) => s.offset <= offset);
    const id = statement ? ID_ANNOTATION.exec(statement.text)?.[1] : undefined;
    issues.push({
      file,
      ...lineColumn(text, offset),
      ...(id !== undefined && { policyId: id }),
      message: detail(e),
    });
  }
  if (issues.length === 0) issues.push({ file, message: load.notPolicyJson });
  return located;
}

const POLICY_SET_KEYS = new Set(['staticPolicies', 'templates', 'templateLinks']);

function fromJson(input: CedarLoadInput, issues: CedarIssue[], validatedLater: boolean): Located[] {
  const set = input.policies as CedarPolicySetJson;
  const file = input.policiesFile;
  if (set === null || typeof set !== 'object') {
    issues.push({ file, message: load.notPolicyJson });
    return [];
  }
  // An array, or keys Cedar's policy set lacks (the removed JSON dialect's `policies`), would otherwise
  // load as an empty set that silently denies everything.
  const unknown = Array.isArray(set) ? ['an array'] : Object.keys(set).filter((k) => !POLICY_SET_KEYS.has(k));
  if (unknown.length > 0) {
    issues.push({ file, message: load.notPolicySetJson(unknown) });
    return [];
  }
  if (Object.keys(set.templates ?? {}).length > 0 || (set.templateLinks ?? []).length > 0) {
    issues.push({ file, message: load.templates });
  }
  const entries: [string, unknown][] = Array.isArray(set.staticPolicies)
    ? set.staticPolicies.map((p, i) => [`policy${i}`, p])
    : Object.entries(set.staticPolicies ?? {});
  const located: Located[] = entries.map(([id, policy]) => ({
    id,
    offset: undefined,
    source: policy as object,
    json: policy,
  }));
  // Validation parses the set anyway (cedar-wasm's load cost is per parse: about half saved).
  if (validatedLater) return located;
  // One parse for the whole set; policy by policy only to name the ones that fail.
  const whole = cedar.checkParsePolicySet({
    staticPolicies: Object.fromEntries(entries) as Record<string, cedar.Policy>,
  });
  if (whole.type === 'failure') {
    for (const [id, policy] of entries) {
      const answer = cedar.checkParsePolicySet({ staticPolicies: { [id]: policy as cedar.Policy } });
      if (answer.type === 'failure') {
        for (const e of answer.errors) issues.push({ file, policyId: id, message: detail(e) });
      }
    }
    if (issues.length === 0) for (const e of whole.errors) issues.push({ file, message: detail(e) });
    return [];
  }
  return located;
}

interface SchemaNamespace {
  readonly actions?: Record<string, { readonly memberOf?: readonly { id: string; type?: string }[] }>;
}

/** The schema's actions as entities: `Action::"read"` (or `Ns::Action::"read"`) with their groups as parents. */
function actionEntities(schema: unknown): StoredEntity[] {
  const out: StoredEntity[] = [];
  for (const [namespace, definition] of Object.entries(schema as Record<string, SchemaNamespace>)) {
    const actionType = namespace === '' ? 'Action' : `${namespace}::Action`;
    for (const [name, action] of Object.entries(definition.actions ?? {})) {
      const parents = (action.memberOf ?? []).map((m) => {
        const type =
          m.type === undefined
            ? actionType
            : namespace !== '' && !m.type.includes('::')
              ? `${namespace}::${m.type}`
              : m.type;
        return new EntityUid(type, m.id);
      });
      out.push({ uid: new EntityUid(actionType, name), attrs: {}, parents, tags: undefined });
    }
  }
  return out;
}

/** Entities for the schema's actions, ready for lookups. */
export function actionStore(loaded: LoadedCedar): CedarEntities {
  return new CedarEntities(loaded.actions);
}
