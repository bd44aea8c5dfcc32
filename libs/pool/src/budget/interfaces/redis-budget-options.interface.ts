/**
 * The part of an ioredis client (`Redis` or `Cluster`) the budget uses: one script call per
 * synchronisation, by hash with the script as fallback.
 */
export interface BudgetRedisClient {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** Closes the connection (used only with `closeRedis`). */
  disconnect?(): void;
}

/** Options of `redisBudget`. */
export interface RedisBudgetOptions {
  /** An ioredis client (`Redis` or `Cluster`); the budget never closes it. */
  redis: BudgetRedisClient;
  /** Name of the budget, shared by every replica of the service; the Redis keys are `{key}:…` (one hash slot). */
  key: string;
  /** Slots (connections) granted across all replicas together, never exceeded. */
  total: number;
  /** A replica that stops renewing loses its slots after this long (default 10 000 ms, at least 300). */
  leaseTtlMs?: number;
  /** Slots a replica keeps even when idle, and its floor when replicas contend for slots (default 0). */
  minPerReplica?: number;
  /** How soon a replica short of slots asks again after a refusal (default 200 ms). */
  pollMs?: number;
  /** Bound on one synchronisation with Redis (default a third of `leaseTtlMs`, at most 1 000 ms). */
  syncTimeoutMs?: number;
  /** This replica's identity in Redis (default host name, process id and a random suffix). */
  replicaId?: string;
  /** The budget owns the client: it disconnects it once it gave its slots back at close (default false). */
  closeRedis?: boolean;
  /** Called with a `BudgetSyncError` or `BudgetSyncTimeoutError` when a synchronisation fails (default: counted only). */
  onError?: (error: Error) => void;
}
