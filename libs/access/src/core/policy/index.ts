export type * from './interfaces/index.js';
export { PolicyEngine } from './policy-engine.js';
export { PolicyValidationError, PolicyFileError, type PolicyIssue } from './policy.errors.js';
export { loadPolicyFile } from './policy-file.js';
export * from '../cedar/index.js';
export {
  CedarPolicyEngine,
  type CedarDecision,
  type CedarPolicyEngineOptions,
  type CedarPolicySource,
  type CedarReloadInfo,
} from './cedar-policy-engine.js';
