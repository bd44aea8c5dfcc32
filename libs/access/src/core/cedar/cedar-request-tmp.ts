import { StewardError } from '@steward/common';

/** A request Cedar would refuse before any policy runs: entity data or context not of the schema's types, an action or entity type the schema lacks. The whole decision is a deny. */
export class CedarRequestError extends StewardError {
  constructor(message: string) {
    super('ACCESS_CEDAR_REQUEST_INVALID', message);
  }
}

export const request = {
  nonConforming: (where: string, expected: string, got: string): string =>
    `${where} does not conform to the schema: expected ${expected}, got ${got}`,
  missingAttribute: (where: string): string => `${where} is required by the schema but missing`,
  undeclared: (where: string): string => `${where} is not declared in the schema`,
  unknownAction: (action: string): string => `action ${action} is not in the schema`,
  undecidable: 'the request could not be decided (the entity provider or the request threw)',
  unmappedPrincipal: "no Cedar entity type for the principal's namespace (principalTypes)",
  notApplicable: (what: 'principal' | 'resource', type: string, action: string): string =>
    `action ${action} does not apply to a ${what} of type ${type}`,
} as const;
