import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { InvalidOptionsError, type OptionIssue } from './option.errors.js';

/**
 * Validates plain options against a class-validator schema and throws one `InvalidOptionsError`
 * listing every bad field. Messages name the field and the rule, never the value, so secrets are
 * not echoed.
 */
export function validateOptions<T extends object>(
  schema: ClassConstructor<T>,
  plain: unknown,
  subject: string,
): T {
  if (plain === null || typeof plain !== 'object') {
    throw new InvalidOptionsError(subject, [{ path: '(root)', message: 'must be an object' }]);
  }
  const instance = plainToInstance(schema, plain, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    forbidUnknownValues: false,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw new InvalidOptionsError(subject, flatten(errors, ''));
  return instance;
}

function flatten(errors: ValidationError[], prefix: string): OptionIssue[] {
  const issues: OptionIssue[] = [];
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      // class-validator messages start with the property name; keep only the rule.
      issues.push({
        path,
        message: message.startsWith(error.property) ? message.slice(error.property.length).trim() : message,
      });
    }
    if (error.children?.length) issues.push(...flatten(error.children, path));
  }
  return issues;
}
