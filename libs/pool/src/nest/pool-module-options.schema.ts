import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { InvalidOptionsError, type OptionIssue } from '@steward/common';
import { validateOptions } from '@steward/common/validation';
import type { PoolModuleOptions } from './interfaces/pool-module-options.interface.js';
import { PoolNestMessages } from './pool.messages.js';

const MAX_MS = 2_147_483_647; // setTimeout's largest delay

/** class-validator schema of the scalar pool options; the factory and functions are checked by hand. */
export class PoolModuleOptionsSchema {
  @IsOptional() @IsInt() @Min(0) min?: number;
  @IsOptional() @IsInt() @Min(1) max?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_MS) acquireTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_MS) createTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_MS) validateTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(MAX_MS) destroyTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_MS) idleTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(0) maxLifetimeMs?: number;
  @IsOptional() @IsNumber() @Min(0) @Max(1) lifetimeJitter?: number;
  @IsOptional() @IsInt() @Min(0) maxUses?: number;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_MS) keepaliveIntervalMs?: number;
  @IsOptional() @IsBoolean() validateOnBorrow?: boolean;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_MS) validateSkipWindowMs?: number;
  @IsOptional() @IsInt() @Min(0) maxWaiting?: number;
  @IsOptional() @IsIn(['lifo', 'fifo']) idleOrder?: string;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_MS) leakDetectionMs?: number;
  @IsOptional() @IsBoolean() reclaimLeaks?: boolean;
  @IsOptional() @IsIn(['fail-fast', 'retry']) initialization?: string;
  @IsOptional() @IsBoolean() warmUp?: boolean;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_MS) maintenanceIntervalMs?: number;
  @IsOptional() @IsInt() @Min(0) @Max(MAX_MS) drainTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(0) degradedWaiting?: number;
  @IsOptional() @IsBoolean() optional?: boolean;
}

const SCALAR_KEYS = Object.freeze([
  'min',
  'max',
  'acquireTimeoutMs',
  'createTimeoutMs',
  'validateTimeoutMs',
  'destroyTimeoutMs',
  'idleTimeoutMs',
  'maxLifetimeMs',
  'lifetimeJitter',
  'maxUses',
  'keepaliveIntervalMs',
  'validateOnBorrow',
  'validateSkipWindowMs',
  'maxWaiting',
  'idleOrder',
  'leakDetectionMs',
  'reclaimLeaks',
  'initialization',
  'warmUp',
  'maintenanceIntervalMs',
  'drainTimeoutMs',
  'degradedWaiting',
  'optional',
] as const);

/**
 * Checks the options of the pool `name` at registration and throws one `InvalidOptionsError` listing
 * every bad field. Only scalar fields go through class-validator: the factory (which may close over
 * credentials) is checked by shape and never copied, transformed or printed.
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
  const factory = options.factory as Partial<PoolModuleOptions<T>['factory']> | undefined;
  if (!factory || typeof factory.create !== 'function' || typeof factory.destroy !== 'function') {
    issues.push({ path: 'factory', message: PoolNestMessages.factoryMissing });
  }
  const scalars: Record<string, unknown> = {};
  for (const key of SCALAR_KEYS) if (options[key] !== undefined) scalars[key] = options[key];
  // Infinity is the engine's "unlimited"; class-validator's IsInt would reject it.
  if (scalars.maxWaiting === Number.POSITIVE_INFINITY) delete scalars.maxWaiting;
  try {
    validateOptions(PoolModuleOptionsSchema, scalars, subject);
  } catch (error) {
    if (!(error instanceof InvalidOptionsError)) throw error;
    issues.push(...error.issues);
  }
  if (
    typeof options.min === 'number' &&
    typeof options.max === 'number' &&
    Number.isInteger(options.min) &&
    options.min > options.max
  ) {
    issues.push({ path: 'min', message: PoolNestMessages.minAboveMax });
  }
  if (issues.length > 0) throw new InvalidOptionsError(subject, issues);
  return options;
}
