import { EntityUid, uidFromJson, type EntityUidJson } from './cedar-value.js';

/** One entity in Cedar's JSON form: its uid, attributes, parents (direct) and tags. */
export interface CedarEntityJson {
  readonly uid: EntityUidJson | { readonly __entity: EntityUidJson };
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly parents?: readonly (EntityUidJson | { readonly __entity: EntityUidJson })[];
  readonly tags?: Readonly<Record<string, unknown>>;
}

/**
 * Entity data an application keeps (groups, ownership, folder trees …), asked synchronously during a
 * decision for entities the request does not carry itself. Return `undefined` for an unknown entity:
 * it then has no attributes and no parents, as in Cedar. Keep it in memory (or cache it): it is on the
 * hot path of every decision that reaches a policy reading it.
 */
export interface CedarEntityProvider {
  entity(type: string, id: string): CedarEntityJson | undefined;
}

/** An entity as the evaluator reads it: attributes stay in their JSON form and convert on access. */
export interface StoredEntity {
  readonly uid: EntityUid;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly parents: readonly EntityUid[];
  readonly tags: Readonly<Record<string, unknown>> | undefined;
}

/** What the evaluator asks about entities. */
export interface EntityLookup {
  get(uid: EntityUid): StoredEntity | undefined;
  /** Every ancestor (transitive, without the entity itself); an unknown entity has none. */
  ancestors(uid: EntityUid): readonly EntityUid[];
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
const NONE: readonly EntityUid[] = Object.freeze([]);

/** Converts an entity from its JSON form; undefined when the uid is malformed. */
export function storedEntity(json: CedarEntityJson): StoredEntity | undefined {
  const uid = uidFromJson(json?.uid);
  if (!uid) return undefined;
  const parents: EntityUid[] = [];
  for (const parent of json.parents ?? []) {
    const p = uidFromJson(parent);
    if (p) parents.push(p);
  }
  return { uid, attrs: json.attrs ?? EMPTY, parents, tags: json.tags };
}

/** Walks parents breadth-first through `get`, each ancestor once (cycles are harmless). */
export function collectAncestors(
  uid: EntityUid,
  get: (uid: EntityUid) => StoredEntity | undefined,
): EntityUid[] {
  const start = get(uid);
  if (!start || start.parents.length === 0) return [];
  const seen = new Set<string>([`${uid.type}\u0000${uid.id}`]);
  const out: EntityUid[] = [];
  const queue = start.parents.slice();
  for (let i = 0; i < queue.length; i++) {
    const next = queue[i]!;
    const key = `${next.type}\u0000${next.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(next);
    const entity = get(next);
    if (entity) for (const parent of entity.parents) queue.push(parent);
  }
  return out;
}

/** An immutable entity store built from a list, ancestors computed once per entity on first use. */
export class CedarEntities implements EntityLookup {
  private readonly byType = new Map<string, Map<string, StoredEntity>>();
  private readonly closure = new Map<StoredEntity, readonly EntityUid[]>();

  constructor(entities: Iterable<CedarEntityJson | StoredEntity>) {
    for (const json of entities) {
      const entity =
        json.uid instanceof EntityUid ? (json as StoredEntity) : storedEntity(json as CedarEntityJson);
      if (!entity) continue;
      let ids = this.byType.get(entity.uid.type);
      if (!ids) this.byType.set(entity.uid.type, (ids = new Map()));
      ids.set(entity.uid.id, entity);
    }
  }

  get(uid: EntityUid): StoredEntity | undefined {
    return this.byType.get(uid.type)?.get(uid.id);
  }

  ancestors(uid: EntityUid): readonly EntityUid[] {
    const entity = this.get(uid);
    if (!entity) return NONE;
    let list = this.closure.get(entity);
    if (!list) this.closure.set(entity, (list = collectAncestors(uid, (u) => this.get(u))));
    return list;
  }

  /** Every stored entity. */
  *[Symbol.iterator](): IterableIterator<StoredEntity> {
    for (const ids of this.byType.values()) yield* ids.values();
  }
}
