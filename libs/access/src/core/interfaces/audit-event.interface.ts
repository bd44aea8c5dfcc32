/** One audit record. Never holds a token, key, password or connection string. */
export interface AuditEvent {
  readonly time: string; // ISO 8601
  readonly type: 'authn.failure' | 'authz.decision' | 'privileged' | 'policy.reload';
  readonly requestId?: string;
  readonly principal?: string;
  /** How the principal authenticated (the authenticator's method: 'api-key', 'jwt', 'upstream', …). */
  readonly authMethod?: string;
  readonly action?: string;
  readonly resource?: string; // "type:id"
  readonly decision?: 'allow' | 'deny';
  /** For privileged actions. */
  readonly phase?: 'requested' | 'completed' | 'failed';
  /** The determining policies: the satisfied forbids on deny, the satisfied permits on allow. */
  readonly policyIds?: readonly string[];
  /** Policies that errored for this request and were skipped (Cedar engines); only when there are some. */
  readonly erroredPolicyIds?: readonly string[];
  /** Why the policy engine refused the request itself (a Cedar `requestError`); only when it did. */
  readonly requestError?: string;
  readonly reason?: string;
  readonly sourceIp?: string;
  readonly route?: string;
  readonly status?: number;
}

/** Where audit records go: logger, JSONL file, PostgreSQL. */
export interface AuditSink {
  readonly name: string;
  /** Writes a batch of chained records in order; rejects when they could not be stored. */
  write(records: readonly AuditRecord[]): Promise<void>;
  close?(): Promise<void>;
}

/** An event with its place in the hash chain: `hash = sha256(prevHash + canonical(event))`. */
export interface AuditRecord {
  readonly seq: number;
  readonly event: AuditEvent;
  readonly prevHash: string;
  readonly hash: string;
}
