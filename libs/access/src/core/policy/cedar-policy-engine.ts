import { readFile, stat } from 'node:fs/promises';
import type { AccessRequest, Decision, DecisionReason } from '../interfaces/decision.interface.js';
import type { Principal } from '../interfaces/principal.interface.js';
import {
  CedarEntities,
  collectAncestors,
  storedEntity,
  type CedarEntityProvider,
  type EntityLookup,
  type StoredEntity,
} from '../cedar/cedar-entities.js';
import { loadCedar, type CedarPolicySetJson, type LoadedCedar } from '../cedar/cedar-loader.js';
import { NO_MATCH, type CedarResponse } from '../cedar/cedar-policy-set.js';
import type { CedarEnv } from '../cedar/cedar-expression.js';
import {
  CedarRecord,
  contextFromJson,
  EntityUid,
  uidFromJson,
  valueFromJson,
  type CedarValue,
} from '../cedar/cedar-value.js';
import {
  CedarSchemaTypes,
  checkConforms,
  type ActionSignature,
  type AttributeType,
} from '../cedar/cedar-schema-types.js';
import { CedarFileError, CedarPolicyError, CedarRequestError } from '../cedar/cedar.errors.js';
import { load, request as requestMessages } from '../cedar/cedar.messages.js';

/** A decision of the Cedar engine: the guard's `Decision` plus the policies that errored. */
export interface CedarDecision extends Decision {
  /** Policies whose evaluation failed for this request (skipped, as Cedar does), in set order. */
  readonly erroredPolicyIds: readonly string[];
  /**
   * Why no policy could decide: a request Cedar refuses before evaluating (an action the schema lacks,
   * a principal or resource type the action does not apply to, entity data or context a policy read
   * that is not of the schema's types), an unmapped principal or a failing entity provider. The
   * decision is then a deny with reason `evaluation-error`. Names types and attributes, never values.
   */
  readonly requestError?: string;
}

/** What a reload reports. */
export interface CedarReloadInfo {
  readonly version: string;
  readonly count: number;
  readonly previousVersion: string;
}

/** Policies and schema, inline or as the text of files (named in messages). */
export interface CedarPolicySource {
  /** Cedar policy text, or a policy set in Cedar's JSON form. */
  readonly policies: string | CedarPolicySetJson;
  /** The Cedar schema (text or JSON) the policies are validated against. Required. */
  readonly schema: string | object;
  readonly policiesFile?: string;
  readonly schemaFile?: string;
}

/** Options of `new CedarPolicyEngine(...)`. */
export interface CedarPolicyEngineOptions extends CedarPolicySource {
  /**
   * Cedar entity type of principals by the namespace their id starts with (`client:ops` is
   * `ApiClient::"ops"`). Default: the authenticators' default namespaces,
   * `{ client: 'ApiClient', jwt: 'User', upstream: 'Upstream' }`. A principal whose namespace has no
   * type is denied.
   */
  readonly principalTypes?: Readonly<Record<string, string>>;
  /** Entity type of a principal's roles, its parents (default `Role`): `principal in Role::"admin"`. */
  readonly roleType?: string;
  /** Entity type of actions (default `Action`): `pool:drain` is `Action::"pool:drain"`. */
  readonly actionType?: string;
  /** Entity data the application keeps (groups, ownership, parents of resources). */
  readonly entities?: CedarEntityProvider;
  /**
   * Deny when a `forbid` errors, even if a permit is satisfied (reason `evaluation-error`). Default
   * false: Cedar's own semantics, where an erroring policy is skipped, so an erroring forbid does not
   * deny. Strict validation at load rules out most such errors; this closes the rest.
   */
  readonly denyOnForbidError?: boolean;
  /** Called after every successful load. */
  readonly onReload?: (info: CedarReloadInfo) => void;
}

const DEFAULT_PRINCIPAL_TYPES: Readonly<Record<string, string>> = Object.freeze({
  client: 'ApiClient',
  jwt: 'User',
  upstream: 'Upstream',
});
const NO_IDS: readonly string[] = Object.freeze([]);
const MAX_FILE_BYTES = 16 * 1024 * 1024;

interface LiveSet {
  readonly loaded: LoadedCedar;
  readonly actions: CedarEntities;
  /** The schema's actions of the engine's action type, by id: a request's action uid without allocating. */
  readonly actionUids: ReadonlyMap<string, EntityUid>;
  readonly readsContext: boolean;
  /** The schema's types, for the data policies read. */
  readonly schema: CedarSchemaTypes;
  /** What each of the schema's actions (of the engine's action type) applies to, by id. */
  readonly signatures: ReadonlyMap<string, ActionSignature>;
  /** The deny of a request that cannot be decided (a throwing provider, a hostile getter). */
  readonly failed: CedarDecision;
  /** The deny of a principal whose namespace has no Cedar type. */
  readonly unmapped: CedarDecision;
  /** Ids of the forbid policies (for `denyOnForbidError`). */
  readonly forbids: ReadonlySet<string>;
  /** The decision for each shared response (nothing matched; exactly one policy decided), built once. */
  readonly decisions: ReadonlyMap<CedarResponse, CedarDecision>;
}

/**
 * Steward's policy engine: Cedar policies and schema, parsed and validated by cedar-wasm at load,
 * decided by Steward's compiled evaluator (no wasm call per decision). Default deny; a satisfied
 * `forbid` overrides every `permit`; a policy that errors is skipped and reported, as in Cedar, so an
 * error never grants access by itself. Reloads swap the whole set atomically.
 */
export class CedarPolicyEngine {
  private readonly listeners = new Set<(info: CedarReloadInfo) => void>();
  /** Principal entity type by id namespace (own entries only: `constructor:` maps to nothing). */
  private readonly principalTypes: ReadonlyMap<string, string>;
  private readonly roleType: string;
  private readonly actionType: string;
  private readonly provider: CedarEntityProvider | undefined;
  private readonly denyOnForbidError: boolean;
  private current: LiveSet;

  constructor(options: CedarPolicyEngineOptions) {
    this.principalTypes = new Map(Object.entries(options.principalTypes ?? DEFAULT_PRINCIPAL_TYPES));
    this.roleType = options.roleType ?? 'Role';
    this.actionType = options.actionType ?? 'Action';
    this.provider = options.entities;
    this.denyOnForbidError = options.denyOnForbidError === true;
    if (options.onReload) this.listeners.add(options.onReload);
    this.current = this.build(options);
  }

  /** Reads a `.cedar` (or `.cedar.json`) policy file and a `.cedarschema` (or `.cedarschema.json`) schema. */
  static async readSource(policyFile: string, schemaFile: string): Promise<CedarPolicySource> {
    if (!/\.cedar(\.json)?$/.test(policyFile)) throw new CedarFileError(load.fileKind(policyFile));
    if (!/\.cedarschema(\.json)?$/.test(schemaFile)) throw new CedarFileError(load.fileKind(schemaFile));
    const [policies, schema] = await Promise.all([readText(policyFile), readText(schemaFile)]);
    const json = (file: string, text: string): object => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new CedarFileError(`${file}: ${load.notJson((error as Error).message)}`, { cause: error });
      }
      // A JSON string would otherwise be read as Cedar text; arrays are refused by the loader by name.
      if (parsed === null || typeof parsed !== 'object') {
        throw new CedarFileError(load.jsonNotObject(file, parsed === null ? 'null' : `a ${typeof parsed}`));
      }
      return parsed;
    };
    return {
      policies: policyFile.endsWith('.json') ? (json(policyFile, policies) as CedarPolicySetJson) : policies,
      schema: schemaFile.endsWith('.json') ? json(schemaFile, schema) : schema,
      policiesFile: policyFile,
      schemaFile,
    };
  }

  /** sha256 (hex) of the live policies (sorted by id) and schema. */
  get version(): string {
    return this.current.loaded.version;
  }

  /** How many policies are live. */
  get count(): number {
    return this.current.loaded.ids.length;
  }

  /** False while no live policy reads `context`: a caller may then leave it out. */
  get readsContext(): boolean {
    return this.current.readsContext;
  }

  /** Whether the schema declares `action` (of the engine's action type) with an `appliesTo`. */
  knowsAction(action: string): boolean {
    const signature = this.current.signatures.get(action);
    return signature !== undefined && signature.principalTypes.size > 0 && signature.resourceTypes.size > 0;
  }

  /** The live policies in Cedar's JSON form, by id. */
  policies(): Readonly<Record<string, unknown>> {
    return this.current.loaded.json;
  }

  /** Subscribes to successful reloads; returns the unsubscribe function. */
  onReload(listener: (info: CedarReloadInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Parses, validates and compiles a new set, then swaps it in one assignment. Throws
   * `CedarPolicyError` (every issue, with file, line, column and policy id) and keeps the previous set
   * serving when anything is wrong.
   */
  reload(source: CedarPolicySource): { version: string; count: number } {
    const previousVersion = this.version;
    this.current = this.build(source);
    const info: CedarReloadInfo = { version: this.version, count: this.count, previousVersion };
    for (const listener of this.listeners) {
      try {
        listener(info);
      } catch {
        // A failing listener (e.g. an audit sink) must not undo or break a reload that already happened.
      }
    }
    return { version: info.version, count: info.count };
  }

  /** Decides a guard request. Synchronous, never throws: anything unexpected is a deny. */
  evaluate(request: AccessRequest): CedarDecision {
    const live = this.current;
    try {
      return this.decide(request, live);
    } catch (error) {
      if (error instanceof CedarRequestError) return refused(error.message, live);
      // A throwing entity provider (or a hostile getter in the request) denies: fail closed.
      return live.failed;
    }
  }

  private decide(request: AccessRequest, live: LiveSet): CedarDecision {
    const principal = this.principalEntity(request.principal);
    if (principal === undefined) return live.unmapped;
    // Cedar refuses a request the schema's actions do not allow for, before any policy runs.
    const signature = live.signatures.get(request.action);
    if (signature === undefined) return refused(requestMessages.unknownAction(String(request.action)), live);
    if (!signature.principalTypes.has(principal.uid.type))
      return refused(requestMessages.notApplicable('principal', principal.uid.type, request.action), live);
    if (!signature.resourceTypes.has(request.resource.type))
      return refused(
        requestMessages.notApplicable('resource', String(request.resource.type), request.action),
        live,
      );
    live.schema.checkEntity(principal.uid, principal.parents);
    const env = new RequestEnv(
      principal,
      request,
      live.actionUids.get(request.action)!,
      signature.context,
      live.actions,
      live.schema,
      this.provider,
    );
    const response = live.loaded.set.authorize(env);
    if (
      this.denyOnForbidError &&
      response.decision === 'allow' &&
      response.errors.some((e) => live.forbids.has(e.policyId))
    ) {
      const errored = response.errors.map((e) => e.policyId);
      return decision(false, 'evaluation-error', NO_IDS, errored, live);
    }
    return toDecision(response, live);
  }

  private principalEntity(principal: Principal): StoredEntity | undefined {
    const id = principal.id;
    const colon = typeof id === 'string' ? id.indexOf(':') : -1;
    if (colon <= 0) return undefined;
    const type = this.principalTypes.get(id.slice(0, colon));
    if (type === undefined) return undefined;
    const uid = new EntityUid(type, id.slice(colon + 1));
    const roles: EntityUid[] = [];
    for (const role of Array.isArray(principal.roles) ? principal.roles : []) {
      if (typeof role === 'string') roles.push(new EntityUid(this.roleType, role));
    }
    const parents = distinctParents(uid, roles);
    let attrs: Readonly<Record<string, unknown>> =
      principal.tenant === undefined
        ? (principal.attributes ?? {})
        : { ...principal.attributes, tenant: principal.tenant };
    // The provider may add parents (teams, groups) and attributes; what the authenticator said wins.
    const provided = this.provider?.entity(uid.type, uid.id);
    const stored = provided === undefined ? undefined : storedEntity(provided);
    if (stored !== undefined) {
      attrs = { ...stored.attrs, ...attrs };
      return {
        uid,
        attrs,
        parents: distinctParents(uid, [...parents, ...stored.parents]),
        tags: stored.tags,
      };
    }
    return { uid, attrs, parents, tags: undefined };
  }

  private build(source: CedarPolicySource): LiveSet {
    // Without a schema nothing is validated and every request would be refused: say so at once.
    if (source.schema === undefined || source.schema === null) {
      throw new CedarPolicyError([{ file: source.schemaFile, message: load.schemaRequired }]);
    }
    const loaded = loadCedar({
      policies: source.policies,
      schema: source.schema,
      policiesFile: source.policiesFile,
      schemaFile: source.schemaFile,
    });
    const version = loaded.version;
    const schema = new CedarSchemaTypes(loaded.schema);
    const decisions = new Map<CedarResponse, CedarDecision>();
    decisions.set(
      NO_MATCH,
      Object.freeze({
        allowed: false,
        reason: 'no-matching-policy',
        policyIds: NO_IDS,
        erroredPolicyIds: NO_IDS,
        policyVersion: version,
      }),
    );
    for (const policy of loaded.set.policies) {
      decisions.set(
        policy.solo,
        Object.freeze({
          allowed: !policy.forbid,
          reason: policy.forbid ? 'forbidden' : 'permitted',
          policyIds: policy.solo.determining,
          erroredPolicyIds: NO_IDS,
          policyVersion: version,
        }),
      );
    }
    return {
      loaded,
      actions: new CedarEntities(loaded.actions),
      actionUids: new Map(
        loaded.actions.filter((a) => a.uid.type === this.actionType).map((a) => [a.uid.id, a.uid]),
      ),
      readsContext: JSON.stringify(loaded.json).includes('"Var":"context"'),
      decisions,
      forbids: new Set(loaded.set.policies.filter((p) => p.forbid).map((p) => p.id)),
      schema,
      signatures: new Map(
        loaded.actions
          .filter((a) => a.uid.type === this.actionType)
          .flatMap((a) => {
            const signature = schema.action(a.uid);
            return signature === undefined ? [] : [[a.uid.id, signature] as const];
          }),
      ),
      failed: Object.freeze({
        allowed: false,
        reason: 'evaluation-error',
        policyIds: NO_IDS,
        erroredPolicyIds: NO_IDS,
        policyVersion: version,
        requestError: requestMessages.undecidable,
      }),
      unmapped: Object.freeze({
        allowed: false,
        reason: 'evaluation-error',
        policyIds: NO_IDS,
        erroredPolicyIds: NO_IDS,
        policyVersion: version,
        requestError: requestMessages.unmappedPrincipal,
      }),
    };
  }
}

const NO_UIDS: readonly EntityUid[] = Object.freeze([]);

function toDecision(response: CedarResponse, live: LiveSet): CedarDecision {
  const shared = live.decisions.get(response);
  if (shared !== undefined) return shared;
  const errored = response.errors.length === 0 ? NO_IDS : response.errors.map((e) => e.policyId);
  if (response.decision === 'allow') {
    return decision(true, 'permitted', response.determining, errored, live);
  }
  if (response.determining.length > 0)
    return decision(false, 'forbidden', response.determining, errored, live);
  return decision(
    false,
    errored.length > 0 ? 'evaluation-error' : 'no-matching-policy',
    NO_IDS,
    errored,
    live,
  );
}

function decision(
  allowed: boolean,
  reason: DecisionReason,
  policyIds: readonly string[],
  erroredPolicyIds: readonly string[],
  live: LiveSet,
): CedarDecision {
  return { allowed, reason, policyIds, erroredPolicyIds, policyVersion: live.loaded.version };
}

/** The deny of a request Cedar would refuse, saying why. */
function refused(why: string, live: LiveSet): CedarDecision {
  return {
    allowed: false,
    reason: 'evaluation-error',
    policyIds: NO_IDS,
    erroredPolicyIds: NO_IDS,
    policyVersion: live.loaded.version,
    requestError: why,
  };
}

/**
 * One request as the evaluator reads it (`CedarEnv`) and its entities (`EntityLookup`): the principal
 * and resource it carries, the schema's actions, then the application's provider for anything else
 * (roles' parents, groups, folders …). The resource entity and the context are built on first read.
 */
class RequestEnv implements CedarEnv, EntityLookup {
  readonly principal: EntityUid;
  readonly resource: EntityUid;
  readonly entities: EntityLookup = this;
  private resourceEntity: StoredEntity | undefined;
  private contextRecord: CedarRecord | undefined;
  private memo: Map<StoredEntity, Map<string, CedarValue>> | undefined;
  /** Ancestors walked through the provider, by entity: `in` in a condition asks again per policy. */
  private walked: Map<string, readonly EntityUid[]> | undefined;

  constructor(
    private readonly principalEntity: StoredEntity,
    private readonly request: AccessRequest,
    readonly action: EntityUid,
    private readonly contextType: AttributeType | undefined,
    private readonly actions: CedarEntities,
    readonly schema: CedarSchemaTypes,
    private readonly provider: CedarEntityProvider | undefined,
  ) {
    this.principal = principalEntity.uid;
    this.resource = new EntityUid(request.resource.type, request.resource.id ?? '');
  }

  /**
   * The request's facts as a Cedar record, kept to the fields the action's context declares (the
   * guard sends more facts than most schemas declare; a policy can read only declared ones) and
   * checked against their types.
   */
  context(): CedarRecord {
    if (this.contextRecord !== undefined) return this.contextRecord;
    const raw: unknown = this.request.context ?? {};
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return contextFromJson(raw); // throws
    // Only the declared fields are converted: an undeclared fact of any shape never reaches a policy.
    const fields = new Map<string, CedarValue>();
    const type = this.contextType;
    if (type?.kind === 'Record') {
      for (const name of type.attributes.keys()) {
        const value = Object.hasOwn(raw, name) ? (raw as Record<string, unknown>)[name] : undefined;
        if (value !== undefined) fields.set(name, valueFromJson(value));
      }
    }
    const record = new CedarRecord(fields);
    if (type !== undefined) checkConforms(record, type, 'context');
    return (this.contextRecord = record);
  }

  memoized(entity: StoredEntity, attr: string): CedarValue | undefined {
    return this.memo?.get(entity)?.get(attr);
  }

  memoize(entity: StoredEntity, attr: string, value: CedarValue): void {
    let byAttr = (this.memo ??= new Map()).get(entity);
    if (byAttr === undefined) this.memo.set(entity, (byAttr = new Map()));
    byAttr.set(attr, value);
  }

  get(uid: EntityUid): StoredEntity | undefined {
    if (uid.type === this.principal.type && uid.id === this.principal.id) return this.principalEntity;
    if (uid.type === this.resource.type && uid.id === this.resource.id) return this.resourceStored();
    const action = this.actions.get(uid);
    if (action !== undefined) return action;
    if (uid.type === this.action.type) return undefined; // actions come from the schema only
    const json = this.provider?.entity(uid.type, uid.id);
    const stored = json === undefined ? undefined : storedEntity(json);
    if (stored !== undefined) this.schema.checkEntity(stored.uid, stored.parents);
    return stored;
  }

  ancestors(uid: EntityUid): readonly EntityUid[] {
    if (this.provider === undefined) {
      // Without a provider only the principal (its roles), the resource (its parents) and the schema's
      // actions have parents. Direct parents are then all the ancestors, unless one of them is the
      // principal or the resource (a route may name the principal as the resource's parent): walk then.
      const direct = this.directParents(uid);
      if (direct === undefined) return this.actions.ancestors(uid);
      if (!direct.some((p) => this.isPrincipal(p) || this.isResource(p))) return direct;
    }
    const key = `${uid.type}\u0000${uid.id}`;
    let list = (this.walked ??= new Map()).get(key);
    if (list === undefined) this.walked.set(key, (list = collectAncestors(uid, (u) => this.get(u))));
    return list;
  }

  private isPrincipal(uid: EntityUid): boolean {
    return uid.type === this.principal.type && uid.id === this.principal.id;
  }

  private isResource(uid: EntityUid): boolean {
    return uid.type === this.resource.type && uid.id === this.resource.id;
  }

  /** The principal's or the resource's parents; undefined for any other entity. */
  private directParents(uid: EntityUid): readonly EntityUid[] | undefined {
    if (this.isPrincipal(uid)) return this.principalEntity.parents;
    if (this.isResource(uid)) return this.resourceStored().parents;
    return undefined;
  }

  /** The route's resource function gives type, id, attributes and parents; the provider the rest. */
  private resourceStored(): StoredEntity {
    if (this.resourceEntity !== undefined) return this.resourceEntity;
    const ref = this.request.resource;
    const provided =
      ref.attributes !== undefined && ref.parents !== undefined
        ? undefined
        : this.provider?.entity(this.resource.type, this.resource.id);
    const stored = provided === undefined ? undefined : storedEntity(provided);
    const parents =
      ref.parents !== undefined
        ? distinctParents(this.resource, uidsOf(ref.parents))
        : (stored?.parents ?? NO_UIDS);
    this.schema.checkEntity(this.resource, parents);
    return (this.resourceEntity = {
      uid: this.resource,
      attrs: ref.attributes ?? stored?.attrs ?? EMPTY_ATTRS,
      parents,
      tags: stored?.tags,
    });
  }
}

const EMPTY_ATTRS: Readonly<Record<string, unknown>> = Object.freeze({});

/** Entity references in either JSON form (`{ type, id }` or `{ __entity: { type, id } }`). */
function uidsOf(list: readonly unknown[]): EntityUid[] {
  if (!Array.isArray(list)) throw new CedarRequestError(requestMessages.badParents);
  const out: EntityUid[] = [];
  for (const item of list) {
    const uid = uidFromJson(item);
    if (uid === undefined) throw new CedarRequestError(requestMessages.badParents);
    out.push(uid);
  }
  return out;
}

/**
 * Parents without repeats and without the entity itself: a role given twice must not make a policy
 * decide twice. Short lists (roles) are compared pairwise; long ones go through a set, so that a
 * provider's 200,000 parents stay linear.
 */
function distinctParents(self: EntityUid, parents: readonly EntityUid[]): EntityUid[] {
  const out: EntityUid[] = [];
  const seen = parents.length > 16 ? new Set<string>() : undefined;
  for (const p of parents) {
    if (p.type === self.type && p.id === self.id) continue;
    if (seen !== undefined) {
      const key = `${p.type}\u0000${p.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
    } else if (out.some((o) => o.type === p.type && o.id === p.id)) continue;
    out.push(p);
  }
  return out;
}

async function readText(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.size > MAX_FILE_BYTES) throw new CedarFileError(load.fileTooLarge(path, MAX_FILE_BYTES));
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof CedarFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new CedarFileError(load.fileUnreadable(path, code), { cause: error });
  }
}
