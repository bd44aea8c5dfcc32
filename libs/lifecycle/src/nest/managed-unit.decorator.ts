import { DiscoveryService } from '@nestjs/core';

/** Options of `@ManagedUnit()`. */
export interface ManagedUnitOptions {
  /** Unit name (default: the provider's name). */
  name?: string;
  /** Extra dependencies by unit name, beside those found through constructor injection. */
  dependsOn?: string[];
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
}

/** What a `@ManagedUnit()` provider implements: either hook or both. */
export interface ManagedUnitHooks {
  start?(signal: AbortSignal): Promise<void> | void;
  stop?(signal: AbortSignal): Promise<void> | void;
}

/**
 * Marks a provider as a lifecycle unit: its `start(signal)` runs at bootstrap and its `stop(signal)` at
 * shutdown, ordered by the managed units it injects (directly or through other providers).
 */
export const ManagedUnit = DiscoveryService.createDecorator<ManagedUnitOptions>();
