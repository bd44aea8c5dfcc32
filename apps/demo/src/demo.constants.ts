/** Pool names of the demo: the database, the optional Redis cache, the hash workers. */
export const DB_POOL = 'db';
export const CACHE_POOL = 'cache';
export const HASH_POOL = 'hash';

/** Token of the demo's resolved configuration. */
export const DEMO_CONFIG = 'steward:demo:config';
