export * from '../cedar/index.js';
export {
  CedarPolicyEngine,
  type CedarDecision,
  type CedarPolicyEngineOptions,
  type CedarPolicySource,
  type CedarReloadInfo,
} from './cedar-policy-engine.js';
