import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { validateOptions } from '@steward/common/validation';
import { ACCESS_MESSAGES } from './access.messages.js';
import type { AccessModuleOptions } from './interfaces/access-options.interface.js';

class MetricsSchema {
  @IsOptional()
  @IsIn([true], { message: 'must be a prom-client Registry' })
  registry?: boolean;

  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) evaluationSample?: number;
}

class ThrottleSchema {
  @IsOptional() @IsInt() @Min(1) @Max(1_000) maxFailures?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1_000) sourceMaxFailures?: number;
  @IsOptional() @IsInt() @Min(1) @Max(86_400_000) windowMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(86_400_000) lockoutMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(10_000_000) maxTrackedKeys?: number;
}

/**
 * The checked shape of `AccessModuleOptions`. Objects with behaviour (authenticators, engine, trail)
 * are projected to a flag first: class-transformer would otherwise try to re-instantiate them.
 */
class AccessOptionsSchema {
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(16)
  @IsIn([true], { each: true, message: 'each must be an Authenticator: { method: string, authenticate() }' })
  authenticators!: boolean[];

  @IsIn(['engine', 'options'], {
    message: (args: ValidationArguments) =>
      args.value === 'json-dialect'
        ? ACCESS_MESSAGES.policyDialectRemoved
        : ACCESS_MESSAGES.policyOptionInvalid,
  })
  policy!: string;

  @IsOptional()
  @IsIn([true], { message: 'must be an audit trail: { record(), recordDurable() }' })
  audit?: boolean;

  @IsOptional() @IsBoolean() closeAuditOnShutdown?: boolean;

  @IsOptional()
  @Matches(/^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/, {
    message: 'must be 1-64 printable characters without quotes or backslashes',
  })
  realm?: string;

  @IsOptional() @ValidateNested() @Type(() => ThrottleSchema) throttle?: ThrottleSchema;

  @IsOptional() @IsArray() @IsString({ each: true }) queryCredentialParams?: string[];

  @IsOptional()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'must be a lower-case header name' })
  requestIdHeader?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s"]+$/, { message: 'must be an http(s) URI' })
  problemTypeBase?: string;

  @IsOptional() @IsBoolean() reportUnannotatedRoutes?: boolean;

  @IsOptional() @ValidateNested() @Type(() => MetricsSchema) metrics?: MetricsSchema;
}

/**
 * True for policies in the JSON dialect removed in 0.1.0: a list of policy objects, `{ policies: [...] }`
 * (Cedar's own JSON form is an object, `{ staticPolicies }`), or `{ actions, resourceTypes }` without a
 * schema. Named apart so that such a configuration fails saying what changed, not just "invalid".
 */
export function isJsonPolicyDialect(policy: unknown): boolean {
  if (Array.isArray(policy)) return true;
  if (policy === null || typeof policy !== 'object') return false;
  const p = policy as Record<string, unknown>;
  if (typeof p.evaluate === 'function') return false;
  return (
    Array.isArray(p.policies) ||
    (p.schema === undefined && (Array.isArray(p.actions) || Array.isArray(p.resourceTypes)))
  );
}

/** Validates the module options at startup and throws one `InvalidOptionsError` listing every issue. */
export function validateAccessOptions(options: AccessModuleOptions): void {
  const raw = (options ?? {}) as unknown as Record<string, unknown>;
  const authenticators = raw.authenticators;
  const policy = raw.policy as Record<string, unknown> | undefined;
  const audit = raw.audit as Record<string, unknown> | undefined;
  const metrics = raw.metrics as Record<string, unknown> | false | undefined;
  const projection = {
    ...raw,
    authenticators: Array.isArray(authenticators)
      ? authenticators.map(
          (a: { method?: unknown; authenticate?: unknown } | null) =>
            typeof a?.authenticate === 'function' && typeof a.method === 'string',
        )
      : authenticators,
    policy: isJsonPolicyDialect(policy)
      ? 'json-dialect'
      : policy && typeof policy === 'object'
        ? typeof policy.evaluate === 'function'
          ? 'engine'
          : (typeof policy.policies === 'string' ||
                (typeof policy.policies === 'object' && policy.policies !== null)) &&
              (typeof policy.schema === 'string' ||
                (typeof policy.schema === 'object' && policy.schema !== null))
            ? 'options'
            : 'invalid'
        : 'invalid',
    audit:
      audit === undefined
        ? undefined
        : typeof audit?.record === 'function' && typeof audit.recordDurable === 'function',
    throttle: raw.throttle === false ? undefined : raw.throttle,
    metrics:
      metrics === false || metrics === undefined || metrics === null || typeof metrics !== 'object'
        ? metrics || undefined
        : {
            ...metrics,
            registry:
              metrics.registry === undefined
                ? undefined
                : typeof (metrics.registry as { registerMetric?: unknown } | null)?.registerMetric ===
                  'function',
          },
  };
  validateOptions(AccessOptionsSchema, projection, 'AccessModule');
}
