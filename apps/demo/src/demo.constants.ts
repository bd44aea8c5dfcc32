/** Pool names of the demo: the database, the optional Redis cache, the hash workers. */
export const DB_POOL = 'db';
export const CACHE_POOL = 'cache';
export const HASH_POOL = 'hash';

/** Token of the demo's resolved configuration. */
export const DEMO_CONFIG = 'steward:demo:config';

/** Token of the Redis key prefix of the items cache (see `itemsCachePrefix`). */
export const ITEMS_CACHE_PREFIX = 'steward:demo:items-cache-prefix';
