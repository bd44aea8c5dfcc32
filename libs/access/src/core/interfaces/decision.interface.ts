import type { Principal } from './principal.interface.js';

/** The resource an action is about. */
export interface ResourceRef {
  readonly type: string;
  readonly id?: string;
  /** Attributes in Cedar's JSON value form (`{ __entity: { type, id } }` for an entity reference). */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /**
   * Direct parents (`{ type: 'Folder', id: 'f1' }`, or Cedar's `{ __entity: { type, id } }`):
   * `resource in Folder::"f1"` holds, and so does
   * `in` any ancestor the entity provider gives for them. Replaces the provider's parents for this
   * resource, as `attributes` replaces its attributes.
   */
  readonly parents?: readonly (
    | { readonly type: string; readonly id: string }
    | { readonly __entity: { readonly type: string; readonly id: string } }
  )[];
}

/** Everything the policy engine decides on. */
export interface AccessRequest {
  readonly principal: Principal;
  readonly action: string;
  readonly resource: ResourceRef;
  /** Request facts: `ip`, `time` (ISO string or Date), `method`, `route`, … */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** Stable reason codes of a decision. */
export type DecisionReason =
  | 'permitted' // at least one permit matched, no forbid
  | 'forbidden' // a forbid matched
  | 'no-matching-policy' // default deny
  | 'evaluation-error'; // a condition failed to evaluate: deny

/** The engine's answer: allowed or not, why (a stable reason code), and which policies decided. */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: DecisionReason;
  /** Ids of the policies that decided: the matching forbids, else the matching permits; empty on default deny. */
  readonly policyIds: readonly string[];
  /** Version hash of the policy set that decided. */
  readonly policyVersion: string;
}
