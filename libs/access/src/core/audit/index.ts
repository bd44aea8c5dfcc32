export type * from './interfaces/index.js';
export { canonicalJson } from './canonical-json.js';
export {
  sanitizeAuditEvent,
  looksLikeSecret,
  AUDIT_REDACTED,
  type AuditSanitizeOptions,
} from './audit-sanitizer.js';
export {
  AUDIT_GENESIS_HASH,
  auditHash,
  auditRecordLine,
  chainAuditEvents,
  verifyAuditChain,
  verifyAuditFile,
  type AuditFileVerifyOptions,
} from './audit-chain.js';
export { AuditTrail, type AuditEventInput } from './audit-trail.js';
export {
  AuditCheckpointSigner,
  verifyCheckpoint,
  type AuditCheckpoint,
  type AuditCheckpointBody,
  type AuditCheckpointKeys,
} from './audit-checkpoint.js';
export {
  FileCheckpointAnchor,
  PostgresCheckpointAnchor,
  type AuditCheckpointAnchor,
} from './checkpoint-anchor.js';
export { AuditWriteError, AuditChainError } from './audit.errors.js';
export {
  LoggerAuditSink,
  isOperatorEvent,
  type AuditLineLogger,
  type LoggerAuditSinkOptions,
} from './logger-audit.sink.js';
export { FileAuditSink, type FileAuditSinkOptions } from './file-audit.sink.js';
export { PostgresAuditSink, type PostgresAuditSinkOptions } from './postgres-audit.sink.js';
