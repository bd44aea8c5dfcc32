import type { PolicyDefinition } from './policy-definition.interface.js';

/** What a reload reports: the new version hash and how many policies are live. */
export interface PolicyReloadInfo {
  readonly version: string;
  readonly count: number;
  readonly previousVersion: string;
}

/** Options of `new PolicyEngine(...)`. */
export interface PolicyEngineOptions {
  /** Every action the application knows, e.g. `pool:drain`. Policies naming others fail to load. */
  readonly actions: readonly string[];
  /** Every resource type the application knows, e.g. `pool`. */
  readonly resourceTypes: readonly string[];
  /** Deepest nesting of a `when` condition (default 8, at most 64). */
  readonly maxConditionDepth?: number;
  /** Policies to load at construction. */
  readonly policies?: readonly PolicyDefinition[];
  /** Called after every successful load. */
  readonly onReload?: (info: PolicyReloadInfo) => void;
  /** Wall-clock time in epoch ms for `timeWindow` when the request has no `context.time` (default `Date.now`). */
  readonly now?: () => number;
}
