import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { getPoolToken, type Pool } from '@steward/pool';
import { CACHE_POOL } from '../demo.constants.js';
import type { Item } from './interfaces/item.interface.js';

const TTL_SECONDS = 60;
// A cache must never make a read slower than the database: give up on Redis quickly.
const ACQUIRE_TIMEOUT_MS = 50;

/** A Redis read-through cache of items; a no-op without `REDIS_URL`, bypassed whenever Redis fails. */
@Injectable()
export class ItemsCache {
  private readonly logger = new Logger('ItemsCache');
  private failures = 0;

  constructor(@Optional() @Inject(getPoolToken(CACHE_POOL)) private readonly pool?: Pool<Redis>) {}

  /** The cached item, or undefined on a miss, without Redis, or when Redis fails. */
  async get(id: number): Promise<Item | undefined> {
    const raw = await this.attempt((redis) => redis.get(key(id)));
    return typeof raw === 'string' ? (JSON.parse(raw) as Item) : undefined;
  }

  /** Stores `item` for a minute; errors are swallowed. */
  async set(item: Item): Promise<void> {
    await this.attempt((redis) => redis.set(key(item.id), JSON.stringify(item), 'EX', TTL_SECONDS));
  }

  /** Forgets item `id`; errors are swallowed. */
  async invalidate(id: number): Promise<void> {
    await this.attempt((redis) => redis.del(key(id)));
  }

  private async attempt<R>(fn: (redis: Redis) => Promise<R>): Promise<R | undefined> {
    if (!this.pool || this.pool.closed) return undefined;
    try {
      const result = await this.pool.use(fn, { timeoutMs: ACQUIRE_TIMEOUT_MS });
      this.failures = 0;
      return result;
    } catch {
      // Logged once per outage, not per request.
      if (this.failures++ === 0) this.logger.warn('Redis unavailable; item reads bypass the cache');
      return undefined;
    }
  }
}

function key(id: number): string {
  return `steward:demo:item:${id}`;
}
