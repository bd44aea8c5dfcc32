import { CedarRequestError } from './cedar.errors.js';
import { request as messages } from './cedar.messages.js';
import {
  CedarRecord,
  CedarSet,
  EntityUid,
  ExtensionValue,
  typeName,
  type CedarValue,
} from './cedar-value.js';

/**
 * The types a Cedar schema declares for entity attributes, entity tags and each action's context,
 * resolved once at load. Cedar refuses a request whose entity data does not conform to the schema;
 * Steward checks the data the policies actually read (an attribute, a tag, the context) when they read
 * it, and refuses the whole request the same way: a value of the wrong type never reaches a condition,
 * where a `forbid` could silently read false.
 */
export type AttributeType =
  | { readonly kind: 'String' | 'Long' | 'Boolean' | 'Unknown' }
  | { readonly kind: 'Set'; readonly element: AttributeType }
  | {
      readonly kind: 'Record';
      readonly attributes: ReadonlyMap<string, { readonly type: AttributeType; readonly required: boolean }>;
      readonly open: boolean;
    }
  | { readonly kind: 'Entity'; readonly name: string; readonly ids?: ReadonlySet<string> }
  | { readonly kind: 'Extension'; readonly name: string };

/** An attribute as the schema declares it. */
export interface DeclaredAttribute {
  readonly type: AttributeType;
  readonly required: boolean;
}

/** What one action applies to, from its `appliesTo`. */
export interface ActionSignature {
  readonly principalTypes: ReadonlySet<string>;
  readonly resourceTypes: ReadonlySet<string>;
  readonly context: AttributeType | undefined;
}

const EXTENSIONS = new Set(['ipaddr', 'decimal', 'datetime', 'duration']);
const PRIMITIVES: Readonly<Record<string, 'String' | 'Long' | 'Boolean'>> = {
  String: 'String',
  Long: 'Long',
  Bool: 'Boolean',
  Boolean: 'Boolean',
};
const MAX_DEPTH = 64;

interface SchemaTypeJson {
  readonly type?: string;
  readonly name?: string;
  readonly element?: SchemaTypeJson;
  readonly attributes?: Readonly<Record<string, SchemaTypeJson & { readonly required?: boolean }>>;
  readonly additionalAttributes?: boolean;
}

interface NamespaceJson {
  readonly commonTypes?: Readonly<Record<string, SchemaTypeJson>>;
  readonly entityTypes?: Readonly<
    Record<
      string,
      {
        readonly shape?: SchemaTypeJson;
        readonly tags?: SchemaTypeJson;
        readonly enum?: readonly string[];
        readonly memberOfTypes?: readonly string[];
      }
    >
  >;
  readonly actions?: Readonly<
    Record<
      string,
      {
        readonly appliesTo?: {
          readonly principalTypes?: readonly string[];
          readonly resourceTypes?: readonly string[];
          readonly context?: SchemaTypeJson;
        };
      }
    >
  >;
}

/** The schema's types, resolved: attributes and tags per entity type, signatures per action. */
export class CedarSchemaTypes {
  private readonly attributes = new Map<string, ReadonlyMap<string, DeclaredAttribute>>();
  /** Parent types each entity type may have (`in [...]`). */
  private readonly memberOf = new Map<string, ReadonlySet<string>>();
  /** The ids of enumerated entity types (`entity Color enum ["red"]`). */
  private readonly enums = new Map<string, ReadonlySet<string>>();
  private readonly tags = new Map<string, AttributeType>();
  private readonly actions = new Map<string, ActionSignature>();
  private readonly common = new Map<string, SchemaTypeJson>();
  private readonly entities = new Set<string>();

  constructor(schema: unknown) {
    const namespaces = Object.entries((schema ?? {}) as Record<string, NamespaceJson>);
    // Names first: a type may refer to one declared later or in another namespace.
    for (const [ns, definition] of namespaces) {
      for (const [name, entity] of Object.entries(definition.entityTypes ?? {})) {
        this.entities.add(qualify(ns, name));
        if (Array.isArray(entity.enum)) this.enums.set(qualify(ns, name), new Set(entity.enum));
      }
      for (const [name, type] of Object.entries(definition.commonTypes ?? {}))
        this.common.set(qualify(ns, name), type);
    }
    for (const [ns, definition] of namespaces) {
      for (const [name, entity] of Object.entries(definition.entityTypes ?? {})) {
        const shape = entity.shape === undefined ? undefined : this.resolve(ns, entity.shape, 0);
        const byName = new Map<string, DeclaredAttribute>();
        if (shape?.kind === 'Record') for (const [attr, field] of shape.attributes) byName.set(attr, field);
        this.attributes.set(qualify(ns, name), byName);
        this.memberOf.set(
          qualify(ns, name),
          new Set((entity.memberOfTypes ?? []).map((t) => this.entityName(ns, t))),
        );
        if (entity.tags !== undefined) this.tags.set(qualify(ns, name), this.resolve(ns, entity.tags, 0));
      }
      for (const [name, action] of Object.entries(definition.actions ?? {})) {
        const appliesTo = action.appliesTo;
        this.actions.set(`${qualify(ns, 'Action')}\u0000${name}`, {
          principalTypes: new Set((appliesTo?.principalTypes ?? []).map((t) => this.entityName(ns, t))),
          resourceTypes: new Set((appliesTo?.resourceTypes ?? []).map((t) => this.entityName(ns, t))),
          context: appliesTo?.context === undefined ? undefined : this.resolve(ns, appliesTo.context, 0),
        });
      }
    }
  }

  /** The signature of an action (`Action::"read"`), undefined when the schema has no such action. */
  action(uid: EntityUid): ActionSignature | undefined {
    return this.actions.get(`${uid.type}\u0000${uid.id}`);
  }

  /** Whether the schema declares this entity type. */
  declares(entityType: string): boolean {
    return this.entities.has(entityType);
  }

  /** An entity's attribute as declared (type, required), undefined when the schema does not declare it. */
  attribute(entityType: string, attr: string): DeclaredAttribute | undefined {
    return this.attributes.get(entityType)?.get(attr);
  }

  /**
   * Throws `CedarRequestError` when an entity of a declared type has a parent of a type its `in [...]`
   * does not list, or an enumerated type has an id outside its list: Cedar refuses such data.
   */
  checkEntity(uid: EntityUid, parents: readonly EntityUid[]): void {
    const ids = this.enums.get(uid.type);
    if (ids !== undefined && !ids.has(uid.id)) throw new CedarRequestError(messages.notInEnum(uid.type));
    const allowed = this.memberOf.get(uid.type);
    if (allowed === undefined) return;
    for (const parent of parents) {
      if (!allowed.has(parent.type)) throw new CedarRequestError(messages.badParent(uid.type, parent.type));
    }
  }

  /** The declared type of an entity's tags. */
  tag(entityType: string): AttributeType | undefined {
    return this.tags.get(entityType);
  }

  private entityName(ns: string, name: string): string {
    if (name.includes('::')) return name;
    const local = qualify(ns, name);
    return this.entities.has(local) ? local : name;
  }

  /** Resolves a schema type: common types inlined, names qualified, builtins and extensions named. */
  private resolve(ns: string, json: SchemaTypeJson, depth: number): AttributeType {
    if (depth > MAX_DEPTH) return { kind: 'Unknown' };
    switch (json.type) {
      case 'String':
      case 'Long':
      case 'Boolean':
        return { kind: json.type };
      case 'Set':
        return {
          kind: 'Set',
          element: json.element ? this.resolve(ns, json.element, depth + 1) : { kind: 'Unknown' },
        };
      case 'Record': {
        const attributes = new Map<string, { type: AttributeType; required: boolean }>();
        for (const [name, field] of Object.entries(json.attributes ?? {})) {
          attributes.set(name, {
            type: this.resolve(ns, field, depth + 1),
            required: field.required !== false,
          });
        }
        return { kind: 'Record', attributes, open: json.additionalAttributes === true };
      }
      case 'Entity':
        return this.entityType(this.entityName(ns, json.name ?? ''));
      case 'Extension':
        return { kind: 'Extension', name: json.name ?? '' };
      case 'EntityOrCommon':
        return this.named(ns, json.name ?? '', depth);
      default:
        // The older JSON form names a common type in `type` itself.
        return typeof json.type === 'string' ? this.named(ns, json.type, depth) : { kind: 'Unknown' };
    }
  }

  private entityType(name: string): AttributeType {
    const ids = this.enums.get(name);
    return ids === undefined ? { kind: 'Entity', name } : { kind: 'Entity', name, ids };
  }

  /** A name: a common type, else an entity type (here, then in the empty namespace), else a builtin. */
  private named(ns: string, name: string, depth: number): AttributeType {
    const builtin = name.startsWith('__cedar::') ? name.slice('__cedar::'.length) : undefined;
    if (builtin === undefined) {
      for (const candidate of name.includes('::') ? [name] : [qualify(ns, name), name]) {
        const common = this.common.get(candidate);
        if (common !== undefined) return this.resolve(candidateNamespace(candidate), common, depth + 1);
        if (this.entities.has(candidate)) return this.entityType(candidate);
      }
    }
    const base = builtin ?? name;
    const primitive = PRIMITIVES[base];
    if (primitive !== undefined) return { kind: primitive };
    if (EXTENSIONS.has(base)) return { kind: 'Extension', name: base };
    return { kind: 'Unknown' };
  }
}

function qualify(ns: string, name: string): string {
  return ns === '' ? name : `${ns}::${name}`;
}

function candidateNamespace(qualified: string): string {
  const end = qualified.lastIndexOf('::');
  return end < 0 ? '' : qualified.slice(0, end);
}

/**
 * Throws `CedarRequestError` unless `value` conforms to `type`; `where` names it in the message (an
 * attribute path or `context`), with type names only: never the value, which may be a secret.
 */
export function checkConforms(value: CedarValue, type: AttributeType, where: string, depth = 0): void {
  const fail = (expected: string): never => {
    throw new CedarRequestError(messages.nonConforming(where, expected, typeName(value)));
  };
  switch (type.kind) {
    case 'Unknown':
      return;
    case 'String':
      if (typeof value !== 'string') fail('string');
      return;
    case 'Long':
      if (typeof value !== 'number' && typeof value !== 'bigint') fail('long');
      return;
    case 'Boolean':
      if (typeof value !== 'boolean') fail('bool');
      return;
    case 'Entity':
      if (!(value instanceof EntityUid) || value.type !== type.name) fail(`entity of type ${type.name}`);
      if (type.ids !== undefined && !type.ids.has((value as EntityUid).id))
        throw new CedarRequestError(messages.notInEnum(type.name));
      return;
    case 'Extension':
      if (!(value instanceof ExtensionValue) || value.typeName !== type.name) fail(type.name);
      return;
    case 'Set':
      if (!(value instanceof CedarSet)) return fail('set');
      if (depth < MAX_DEPTH)
        for (const item of value.items) checkConforms(item, type.element, `${where}[]`, depth + 1);
      return;
    case 'Record': {
      if (!(value instanceof CedarRecord)) return fail('record');
      if (depth >= MAX_DEPTH) return;
      for (const [name, field] of type.attributes) {
        const item = value.fields.get(name);
        if (item === undefined) {
          if (field.required) throw new CedarRequestError(messages.missingAttribute(`${where}.${name}`));
        } else checkConforms(item, field.type, `${where}.${name}`, depth + 1);
      }
      if (!type.open) {
        for (const name of value.fields.keys()) {
          if (!type.attributes.has(name))
            throw new CedarRequestError(messages.undeclared(`${where}.${name}`));
        }
      }
      return;
    }
  }
}
