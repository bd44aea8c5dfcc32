import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { InvalidOptionsError, type OptionIssue } from '@steward/common';
import { validateOptions } from '@steward/common/validation';
import { MAX_TIMER_MS, validatePoolOptions } from '../core/pool-options.js';
import type { PoolModuleOptions } from './interfaces/pool-module-options.interface.js';
import { PoolNestMessages } from './pool.messages.js';

/**
 * class-validator schema of the Nest-only options. The engine's options are checked by the engine's
 * own checker (`validatePoolOptions`), the one place that knows them: adding an engine option touches
 * the engine only.
 */
export class PoolModuleOptionsSchema {
  @IsOptional() @IsBoolean() warmUp?: boolean;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_TIMER_MS) drainTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(0) degradedWaiting?: number;
  @IsOptional() @IsBoolean() optional?: boolean;
}

const NEST_ONLY_KEYS = Object.freeze(['warmUp', 'drainTimeoutMs', 'degradedWaiting', 'optional'] as const);

/**
 * Checks the options of the pool `name` at registration and throws one `InvalidOptionsError` listing
 * every bad field, engine and Nest-only alike. The factory (which may close over credentials) is checked
 * by shape and never copied, transformed or printed; no value is echoed.
 */
export function validatePoolModuleOptions<T>(
  name: string,
  options: PoolModuleOptions<T>,
): PoolModuleOptions<T> {
  const subject = `pool "${name}"`;
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError(subject, [{ path: '(root)', message: PoolNestMessages.optionsNotObject }]);
  }
  const issues: OptionIssue[] = [];
  const { factory, warmUp, drainTimeoutMs, degradedWaiting, optional, ...engine } = options;
  const shape = factory as Partial<PoolModuleOptions<T>['factory']> | undefined;
  if (!shape || typeof shape.create !== 'function' || typeof shape.destroy !== 'function') {
    issues.push({ path: 'factory', message: PoolNestMessages.factoryMissing });
  }
  collect(issues, () => validatePoolOptions({ ...engine, name }));
  const nestOnly: Record<string, unknown> = { warmUp, drainTimeoutMs, degradedWaiting, optional };
  for (const key of NEST_ONLY_KEYS) if (nestOnly[key] === undefined) delete nestOnly[key];
  collect(issues, () => validateOptions(PoolModuleOptionsSchema, nestOnly, subject));
  if (issues.length > 0) throw new InvalidOptionsError(subject, issues);
  return options;
}

/** Runs a checker and keeps its issues; anything but an `InvalidOptionsError` is a bug and propagates. */
function collect(issues: OptionIssue[], check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof InvalidOptionsError)) throw error;
    issues.push(...error.issues);
  }
}
