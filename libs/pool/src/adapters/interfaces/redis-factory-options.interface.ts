import type { RedisOptions } from 'ioredis';

/** Settings of `redisFactory`: a URL and/or ioredis options; reconnects and queueing are left to the pool. */
export interface RedisFactoryOptions {
  /** `redis://[:password@]host:port/db`; never logged. */
  url?: string;
  /** Extra ioredis options; `lazyConnect`, `enableOfflineQueue` and `retryStrategy` are set by the factory. */
  redis?: Omit<RedisOptions, 'lazyConnect' | 'enableOfflineQueue' | 'retryStrategy'>;
  /** Bound on connect + ready check (default 10 000). */
  connectTimeoutMs?: number;
  /** Connection name shown by `CLIENT LIST` (default `steward`). */
  connectionName?: string;
  /** How long `destroy` waits for QUIT before it cuts the socket (default 2 000). */
  quitTimeoutMs?: number;
}
