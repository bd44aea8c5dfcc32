import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { getPoolToken, type Pool } from '@steward/pool';
import { CACHE_POOL, ITEMS_CACHE_PREFIX } from '../demo.constants.js';
import type { Item } from './interfaces/item.interface.js';

const TTL_SECONDS = 60;
// A cache must never make a read slower than the database: give up on Redis quickly.
const ACQUIRE_TIMEOUT_MS = 50;

/** A Redis read-through cache of items; a no-op without `REDIS_URL`, bypassed whenever Redis fails. */
@Injectable()
export class ItemsCache {
  private readonly logger = new Logger('ItemsCache');
  private failures = 0;

  constructor(
    @Inject(ITEMS_CACHE_PREFIX) private readonly prefix: string,
    @Optional() @Inject(getPoolToken(CACHE_POOL)) private readonly pool?: Pool<Redis>,
  ) {}

  /** The Redis key of item `id`. */
  key(id: number): string {
    return `${this.prefix}:item:${id}`;
  }

  /** The cached item, or undefined on a miss, without Redis, or when Redis fails. */
  async get(id: number): Promise<Item | undefined> {
    const raw = await this.attempt((redis) => redis.get(this.key(id)));
    if (typeof raw !== 'string') return undefined;
    try {
      return JSON.parse(raw) as Item;
    } catch {
      // A value this version cannot read is a miss, not a 500.
      return undefined;
    }
  }

  /** Stores `item` for a minute; errors are swallowed. */
  async set(item: Item): Promise<void> {
    await this.attempt((redis) => redis.set(this.key(item.id), JSON.stringify(item), 'EX', TTL_SECONDS));
  }

  /** Forgets item `id`; errors are swallowed. */
  async invalidate(id: number): Promise<void> {
    await this.attempt((redis) => redis.del(this.key(id)));
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

/**
 * The cache's key prefix: items of two databases must never meet in one Redis (two demos on their own
 * SQLite files both have an item 1). It names the database by its file, or by host, port and database
 * name: never by the URL's credentials.
 */
export function itemsCachePrefix(table: string, database: { url?: string; sqlitePath?: string }): string {
  let identity = database.sqlitePath ?? '';
  if (database.url) {
    const url = new URL(database.url);
    identity = `${url.hostname}:${url.port}${url.pathname}`;
  }
  return `steward:demo:${createHash('sha256').update(identity).digest('hex').slice(0, 16)}:${table}`;
}
