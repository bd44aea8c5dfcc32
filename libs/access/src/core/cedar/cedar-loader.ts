import { createHash } from 'node:crypto';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { CedarPolicyError, type CedarIssue } from './cedar.errors.js';
import { load } from './cedar.messages.js';
import type { StoredEntity } from './cedar-entities.js';
import { UnsupportedConstruct } from './cedar-expression.js';
import { CedarPolicySet, compilePolicy, type CompiledCedarPolicy } from './cedar-policy-set.js';
import {
  byteToCharOffset,
  countAtMost,
  LineIndex,
  splitStatements,
  type PolicyStatement,
} from './cedar-source.js';
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

/**
 * Policies per cedar-wasm `validate` call. Its time grows faster than the set (one call: 3.7 s for
 * 100k policies in chunks of 1,000, 29 s at once); Cedar validates each policy on its own, so chunks
 * give the same answer. Each call parses the schema again: 1,000 keeps that small next to the policies.
 */
const VALIDATION_CHUNK = 1000;

interface Located {
  readonly id: string;
  /** True when the id is Cedar's positional name `policy<N>` (no `@id`, or a JSON array). */
  readonly implicit: boolean;
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
  const schemaIssues: CedarIssue[] = [];
  const issues: CedarIssue[] = [];
  const schemaJson = input.schema === undefined ? undefined : parseSchema(input, schemaIssues);
  const file = input.policiesFile;
  const text = typeof input.policies === 'string' ? input.policies : undefined;
  const lines = text === undefined ? undefined : new LineIndex(text);
  const located =
    text !== undefined && lines !== undefined
      ? fromText(text, lines, file, issues)
      : fromJson(input, issues, input.schema !== undefined);
  if (located.length > MAX_POLICIES) issues.push({ file, message: load.tooMany(MAX_POLICIES) });

  // Policies by id (the first of a duplicate): issue reporting looks them up once per issue.
  const byId = new Map<string, Located>();
  const duplicates: Located[] = [];
  for (const p of located) {
    if (byId.has(p.id)) duplicates.push(p);
    else byId.set(p.id, p);
  }
  const at = (policy: Located | undefined, message: string, bytes = 0): CedarIssue => {
    const policyId = policy?.id;
    if (lines === undefined || policy?.offset === undefined) {
      // A JSON policy set has no positions worth reporting: the file and the policy id name it.
      return { file, ...(policyId !== undefined && { policyId }), message };
    }
    const local = bytes > 0 ? byteToCharOffset(policy.source as string, bytes) : 0;
    return { file, ...lines.at(policy.offset + local), ...(policyId !== undefined && { policyId }), message };
  };
  // Issues in file order (by position, then set order); schema issues first. Not cedar-wasm's order.
  const rejected = (): CedarPolicyError => {
    const order = new Map(located.map((p, index) => [p.id, index]));
    const rank = (i: CedarIssue): number => (i.policyId === undefined ? -1 : (order.get(i.policyId) ?? -1));
    const sorted = [...issues].sort(
      (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || rank(a) - rank(b),
    );
    return new CedarPolicyError([...schemaIssues, ...sorted]);
  };
  if (schemaIssues.length > 0 || issues.length > 0) throw rejected();

  for (const p of duplicates) {
    const first = byId.get(p.id)!;
    const message = p.implicit
      ? load.implicitIdTaken(p.id)
      : first.implicit
        ? load.idTakenFromImplicit(
            p.id,
            first.offset === undefined ? undefined : lines?.at(first.offset).line,
          )
        : load.duplicateId(p.id);
    issues.push(at(p, message));
  }
  if (issues.length > 0) throw rejected();

  if (input.schema !== undefined) {
    const schema = input.schema as cedar.Schema;
    // Text policies are validated in their JSON form (cheaper for cedar-wasm than text); the few that
    // fail are validated again as text, for Cedar's positions inside them.
    const answer = validateInChunks(schema, located, (p) => (text === undefined ? p.source : p.json));
    if (answer.failures.length > 0) {
      // A JSON set was not parsed apart from validation (it parses too): name the policies now.
      if (text === undefined) fromJson(input, issues, false);
      if (issues.length === 0) for (const e of answer.failures) issues.push(at(undefined, detail(e)));
    } else if (answer.errors.length > 0) {
      let errors = answer.errors;
      if (text !== undefined) {
        const failed = [...new Set(errors.map((v) => v.policyId))].flatMap((id) => byId.get(id) ?? []);
        const again = validateInChunks(schema, failed, (p) => p.source);
        const positioned = new Set(again.errors.map((v) => v.policyId));
        // Should Cedar judge a policy's text differently from its JSON, its JSON errors still count.
        if (again.failures.length === 0)
          errors = [...again.errors, ...errors.filter((v) => !positioned.has(v.policyId))];
      }
      for (const v of errors) {
        const bytes = text === undefined ? 0 : (v.error.sourceLocations?.[0]?.start ?? 0);
        issues.push(at(byId.get(v.policyId), detail(v.error), bytes));
      }
    }
  }
  if (issues.length > 0) throw rejected();

  const compiled: CompiledCedarPolicy[] = [];
  located.forEach((p, index) => {
    try {
      compiled.push(compilePolicy(p.id, index, p.json));
    } catch (error) {
      if (!(error instanceof UnsupportedConstruct)) throw error;
      issues.push(at(p, error.message));
    }
  });
  if (issues.length > 0) throw rejected();

  // Object.fromEntries defines own properties: an id such as "__proto__" is a key like any other.
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

/** Strict validation, `VALIDATION_CHUNK` policies per call; parse failures and validation errors. */
function validateInChunks(
  schema: cedar.Schema,
  policies: readonly Located[],
  form: (p: Located) => unknown,
): { failures: cedar.DetailedError[]; errors: cedar.ValidationError[] } {
  const failures: cedar.DetailedError[] = [];
  const errors: cedar.ValidationError[] = [];
  for (let start = 0; start < policies.length; start += VALIDATION_CHUNK) {
    const chunk = policies.slice(start, start + VALIDATION_CHUNK);
    const answer = cedar.validate({
      schema,
      policies: {
        staticPolicies: Object.fromEntries(chunk.map((p) => [p.id, form(p)])) as Record<string, cedar.Policy>,
      },
      validationSettings: { mode: 'strict' },
    });
    if (answer.type === 'failure') failures.push(...answer.errors);
    else errors.push(...answer.validationErrors);
  }
  return { failures, errors };
}

function detail(error: cedar.DetailedError): string {
  return error.help ? `${error.message} (${error.help})` : error.message;
}

function parseSchema(input: CedarLoadInput, issues: CedarIssue[]): unknown {
  const schema = input.schema as cedar.Schema;
  const answer = cedar.schemaToJson(schema);
  if (answer.type === 'success') return answer.json;
  const file = input.schemaFile;
  if (typeof schema !== 'string') {
    for (const e of answer.errors) issues.push({ file, message: `${load.schemaInvalid}: ${detail(e)}` });
    return undefined;
  }
  // schemaToJson's positions can be wrong (0 for a type it cannot resolve); checkParseSchema's are
  // Cedar's own. Without one, no position rather than a made-up 1:1.
  const check = cedar.checkParseSchema(schema);
  const errors = check.type === 'failure' ? check.errors : answer.errors;
  const lines = new LineIndex(schema);
  for (const e of errors) {
    const start = check.type === 'failure' ? e.sourceLocations?.[0]?.start : undefined;
    const position = start === undefined ? {} : lines.at(byteToCharOffset(schema, start));
    issues.push({ file, ...position, message: `${load.schemaInvalid}: ${detail(e)}` });
  }
  return undefined;
}

const ID_ANNOTATION = /^@id\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/;

/** Control characters (C0, DEL, C1) and line/paragraph separators: not allowed in a policy id. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

function validId(id: string): boolean {
  return id.length > 0 && !CONTROL.test(id);
}

function fromText(text: string, lines: LineIndex, file: string | undefined, issues: CedarIssue[]): Located[] {
  // Each statement is parsed on its own (Cedar's lexical grammar has `;` only as a terminator, outside
  // strings and comments); when one fails, the whole text is parsed for Cedar's own positions.
  const statements = splitStatements(text);
  const located: Located[] = [];
  const unparsed: { statement: PolicyStatement; errors: cedar.DetailedError[] }[] = [];
  let templates = false;
  statements.forEach((statement, index) => {
    const answer = cedar.policyToJson(statement.text);
    if (answer.type === 'failure') {
      unparsed.push({ statement, errors: answer.errors });
      if (cedar.templateToJson(statement.text).type === 'success') {
        templates = true;
        const id = ID_ANNOTATION.exec(statement.text)?.[1];
        issues.push({
          file,
          ...lines.at(statement.offset),
          ...(id !== undefined && { policyId: id }),
          message: load.templates,
        });
      }
      return;
    }
    // Cedar names unannotated policies policy0, policy1 …; `@id("…")` names one explicitly.
    const explicit = answer.json.annotations?.id;
    if (explicit !== undefined && !validId(explicit)) {
      issues.push({ file, ...lines.at(statement.offset), message: load.badId(explicit) });
    }
    located.push({
      id: explicit ?? `policy${index}`,
      implicit: explicit === undefined,
      offset: statement.offset,
      source: statement.text,
      json: answer.json,
    });
  });
  if (unparsed.length === 0 || templates) return located;
  const whole = cedar.checkParsePolicySet({ staticPolicies: text });
  const offsets = statements.map((s) => s.offset);
  for (const e of whole.type === 'failure' ? whole.errors : []) {
    const offset = byteToCharOffset(text, e.sourceLocations?.[0]?.start ?? 0);
    // The statement the error is in: the last one starting at or before it.
    const statement = statements[countAtMost(offsets, offset) - 1];
    const id = statement ? ID_ANNOTATION.exec(statement.text)?.[1] : undefined;
    issues.push({ file, ...lines.at(offset), ...(id !== undefined && { policyId: id }), message: detail(e) });
  }
  if (whole.type === 'success') {
    // Only a statement on its own fails (should not happen): its errors, placed within it.
    for (const { statement, errors } of unparsed) {
      for (const e of errors) {
        const local = byteToCharOffset(statement.text, e.sourceLocations?.[0]?.start ?? 0);
        issues.push({ file, ...lines.at(statement.offset + local), message: detail(e) });
      }
    }
  }
  return located;
}

const POLICY_SET_KEYS = new Set(['staticPolicies', 'templates', 'templateLinks']);

/** What a JSON value is, for messages: `null`, `an array`, `a string` … */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function fromJson(input: CedarLoadInput, issues: CedarIssue[], validatedLater: boolean): Located[] {
  const set = input.policies as CedarPolicySetJson;
  const file = input.policiesFile;
  // An array, or keys Cedar's policy set lacks (the removed JSON dialect's `policies`), would otherwise
  // load as an empty set that silently denies everything.
  const unknown =
    set === null || typeof set !== 'object' || Array.isArray(set)
      ? [kindOf(set)]
      : Object.keys(set).filter((k) => !POLICY_SET_KEYS.has(k));
  if (unknown.length > 0) {
    issues.push({ file, message: load.notPolicySetJson(unknown) });
    return [];
  }
  // Present but null (or of another kind) is a mistake, not an empty set.
  const { staticPolicies, templates, templateLinks } = set as Record<string, unknown>;
  if (typeof staticPolicies === 'string') {
    issues.push({ file, message: load.staticPoliciesText });
    return [];
  }
  const expected: [string, unknown, boolean][] = [
    ['staticPolicies', staticPolicies, staticPolicies === null || typeof staticPolicies !== 'object'],
    ['templates', templates, templates === null || typeof templates !== 'object' || Array.isArray(templates)],
    ['templateLinks', templateLinks, !Array.isArray(templateLinks)],
  ];
  const wrong = expected.filter(([, value, bad]) => value !== undefined && bad);
  if (wrong.length > 0) {
    for (const [key, value] of wrong) issues.push({ file, message: load.policySetField(key, kindOf(value)) });
    return [];
  }
  if (Object.keys(set.templates ?? {}).length > 0 || (set.templateLinks ?? []).length > 0) {
    issues.push({ file, message: load.templates });
  }
  const policies = set.staticPolicies ?? {};
  const located: Located[] = Array.isArray(policies)
    ? policies.map((p: unknown, i) => ({
        id: `policy${i}`,
        implicit: true,
        offset: undefined,
        source: p as object,
        json: p,
      }))
    : Object.entries(policies).map(([id, p]) => ({
        id,
        implicit: false,
        offset: undefined,
        source: p as object,
        json: p,
      }));
  for (const p of located) if (!validId(p.id)) issues.push({ file, message: load.badId(p.id) });
  // Validation parses the set anyway (cedar-wasm's load cost is per parse: about half saved).
  if (validatedLater || issues.length > 0) return located;
  // One parse for the whole set; policy by policy only to name the ones that fail.
  const entries = located.map((p) => [p.id, p.source] as const);
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
