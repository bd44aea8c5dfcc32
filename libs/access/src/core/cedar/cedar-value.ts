import { CedarEvaluationError, CedarRequestError } from './cedar.errors.js';
import { evaluation } from './cedar.messages.js';

/**
 * Cedar's runtime values. Long is a JS number while it is a safe integer and a bigint past that (up to
 * i64), so the common case costs nothing and `===` stays exact: the two forms never hold the same value.
 */
export type CedarValue =
  boolean | number | bigint | string | EntityUid | CedarSet | CedarRecord | ExtensionValue;

/** A reference to an entity: its type (`Namespace::Type`) and id. */
export class EntityUid {
  constructor(
    readonly type: string,
    readonly id: string,
  ) {}

  /** The uid as Cedar prints it, for messages. */
  toString(): string {
    return `${this.type}::${JSON.stringify(this.id)}`;
  }
}

/** A Cedar set. Duplicates may be present; every operation compares by value. */
export class CedarSet {
  /** The strings, Longs and bools of a large set, and its entity uids (as `type\0id`), built on first lookup. */
  private primitives: Set<unknown> | undefined;
  private uids: Set<string> | undefined;

  constructor(readonly items: readonly CedarValue[]) {}

  has(value: CedarValue): boolean {
    // Past a few items lookup tables keep `==`, containsAll and containsAny on two sets linear
    // instead of quadratic (two 20,000-item sets: 700 ms per comparison before).
    if (this.items.length > 16 && (typeof value !== 'object' || value instanceof EntityUid)) {
      if (this.primitives === undefined || this.uids === undefined) {
        this.primitives = new Set();
        this.uids = new Set();
        for (const item of this.items) {
          if (typeof item !== 'object') this.primitives.add(item);
          else if (item instanceof EntityUid) this.uids.add(uidKey(item));
        }
      }
      return typeof value === 'object' ? this.uids.has(uidKey(value)) : this.primitives.has(value);
    }
    if (typeof value !== 'object') return this.items.includes(value);
    for (const item of this.items) if (valueEquals(item, value)) return true;
    return false;
  }
}

function uidKey(uid: EntityUid): string {
  return `${uid.type}\u0000${uid.id}`;
}

/** A Cedar record. */
export class CedarRecord {
  constructor(readonly fields: ReadonlyMap<string, CedarValue>) {}
}

/** Values of the extension types (ipaddr, decimal, datetime, duration). */
export abstract class ExtensionValue {
  abstract readonly typeName: string;
  abstract equals(other: ExtensionValue): boolean;
}

export const I64_MAX = 9_223_372_036_854_775_807n;
export const I64_MIN = -9_223_372_036_854_775_808n;

/** A Long from an exact bigint: a number when safe, an error past i64. */
export function longFromBig(value: bigint, what: () => string): number | bigint {
  if (value > I64_MAX || value < I64_MIN) throw new CedarEvaluationError(evaluation.overflow(what()));
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

export function isLong(value: CedarValue): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

export function typeName(value: CedarValue): string {
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
    case 'bigint':
      return 'long';
    case 'string':
      return 'string';
    default:
      if (value instanceof EntityUid) return 'entity';
      if (value instanceof CedarSet) return 'set';
      if (value instanceof CedarRecord) return 'record';
      return value.typeName;
  }
}

/** Cedar's `==`: structural, never an error; values of different types are unequal. */
export function valueEquals(a: CedarValue, b: CedarValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof EntityUid) return b instanceof EntityUid && a.type === b.type && a.id === b.id;
  if (a instanceof CedarSet) {
    if (!(b instanceof CedarSet)) return false;
    for (const item of a.items) if (!b.has(item)) return false;
    for (const item of b.items) if (!a.has(item)) return false;
    return true;
  }
  if (a instanceof CedarRecord) {
    if (!(b instanceof CedarRecord) || a.fields.size !== b.fields.size) return false;
    for (const [key, value] of a.fields) {
      const other = b.fields.get(key);
      if (other === undefined || !valueEquals(value, other)) return false;
    }
    return true;
  }
  return b instanceof ExtensionValue && a.typeName === b.typeName && a.equals(b);
}

/** Cedar's JSON form of an entity reference: `{ type, id }` (optionally under `__entity`). */
export interface EntityUidJson {
  readonly type: string;
  readonly id: string;
}

/** Parses an entity reference in Cedar's JSON form; undefined when it is not one. */
export function uidFromJson(value: unknown): EntityUid | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const inner = Object.hasOwn(value, '__entity') ? (value as { __entity: unknown }).__entity : value;
  if (inner === null || typeof inner !== 'object') return undefined;
  const { type, id } = inner as { type?: unknown; id?: unknown };
  return typeof type === 'string' && typeof id === 'string' ? new EntityUid(type, id) : undefined;
}

/** Builds an extension value from `{ fn, arg }`; given by the extension registry to break the import cycle. */
export type ExtensionConstructor = (fn: string, arg: CedarValue) => CedarValue;
let extensionConstructor: ExtensionConstructor | undefined;

/** Registers how `{ "__extn": … }` data becomes a value (the extensions module does it when loaded). */
export function registerExtensionConstructor(construct: ExtensionConstructor): void {
  extensionConstructor = construct;
}

/**
 * Converts data in Cedar's JSON value form (entity attributes, context) to a value, as cedar-wasm reads
 * it without a schema: arrays are sets, objects records, `__entity` and `__extn` escapes, integers Longs.
 * Anything else (a fraction, an unsafe integer, null, a function, a bad escape) throws
 * `CedarRequestError`: Cedar refuses a request whose data does not parse, whichever policy reads it.
 */
export function valueFromJson(json: unknown, depth = 0): CedarValue {
  switch (typeof json) {
    case 'boolean':
    case 'string':
      return json;
    case 'number':
      if (Number.isSafeInteger(json)) return json;
      throw new CedarRequestError(
        evaluation.badData(
          Number.isInteger(json) ? 'an integer past 2^53' : 'a number that is not an integer',
        ),
      );
    case 'object': {
      if (json === null) break;
      if (depth > 64) throw new CedarRequestError(evaluation.badData('nesting deeper than 64'));
      if (Array.isArray(json)) return new CedarSet(json.map((item) => valueFromJson(item, depth + 1)));
      if (json instanceof Date) return json.toISOString();
      if (Object.hasOwn(json, '__entity')) {
        const uid = uidFromJson(json);
        if (uid) return uid;
        break;
      }
      if (Object.hasOwn(json, '__extn')) {
        const { fn, arg } = (json as { __extn: { fn?: unknown; arg?: unknown } }).__extn ?? {};
        if (typeof fn !== 'string' || typeof arg !== 'string' || !extensionConstructor) break;
        try {
          return extensionConstructor(fn, arg);
        } catch {
          // Bad input in data is the request's fault, not a policy's (and the input is not echoed).
          throw new CedarRequestError(evaluation.badData('an __extn value its function refuses'));
        }
      }
      const fields = new Map<string, CedarValue>();
      for (const key of Object.keys(json)) {
        const field = (json as Record<string, unknown>)[key];
        // As in JSON: a key whose value is undefined is absent (e.g. a request without a known ip).
        if (field !== undefined) fields.set(key, valueFromJson(field, depth + 1));
      }
      return new CedarRecord(fields);
    }
  }
  throw new CedarRequestError(evaluation.badData(json === null ? 'null' : typeof json));
}

/** The request context from its JSON form (a plain object); anything else is an error when read. */
export function contextFromJson(json: unknown): CedarRecord {
  const value = valueFromJson(json ?? {});
  if (value instanceof CedarRecord) return value;
  throw new CedarRequestError(evaluation.badData('the context must be a record'));
}
