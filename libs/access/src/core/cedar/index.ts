export {
  CedarEntities,
  type CedarEntityJson,
  type CedarEntityProvider,
  type EntityLookup,
  type StoredEntity,
} from './cedar-entities.js';
export { CedarPolicySet, type CedarRequest, type CedarResponse } from './cedar-policy-set.js';
export { loadCedar, type CedarLoadInput, type CedarPolicySetJson, type LoadedCedar } from './cedar-loader.js';
export {
  CedarRecord,
  CedarSet,
  EntityUid,
  contextFromJson,
  valueFromJson,
  type CedarValue,
  type EntityUidJson,
} from './cedar-value.js';
export {
  CedarEvaluationError,
  CedarFileError,
  CedarPolicyError,
  CedarRequestError,
  type CedarIssue,
} from './cedar.errors.js';
