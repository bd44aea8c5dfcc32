/** Why a resource was destroyed. */
export type DestroyReason =
  | 'idle'
  | 'lifetime'
  | 'max-uses'
  | 'broken'
  | 'validation-failed'
  | 'reset'
  | 'closed'
  | 'create-timeout'
  | 'leak-reclaimed'
  | 'destroyed-by-holder'
  | 'resize'
  /** The pool used more connection-budget slots than its share (`budget`). */
  | 'budget';

/** Payload of every pool event, by name. */
export interface PoolEventMap<T = unknown> {
  create: { resource: T };
  destroy: { resource: T; reason: DestroyReason };
  acquire: { waitMs: number };
  release: { leaseMs: number };
  timeout: { waitMs: number };
  leak: { heldMs: number; stack: string };
  createError: { error: unknown };
  destroyError: { error: unknown };
  resize: { min: number; max: number; effectiveMax: number };
}

/** Name of a pool event. */
export type PoolEventName = keyof PoolEventMap;

/** A listener of one pool event. */
export type PoolEventListener<T, K extends PoolEventName> = (payload: PoolEventMap<T>[K]) => void;
