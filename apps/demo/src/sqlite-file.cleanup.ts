import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PoolHost } from '@steward/pool';

/** Removes the demo's default SQLite directory at shutdown, once the pool has closed every connection. */
export class SqliteFileCleanup {
  constructor(path: string, host: PoolHost) {
    // Inside the pool's own stop: after its last connection closed, whoever (Nest or the lifecycle) stops it.
    host.afterClose(() => rm(dirname(path), { recursive: true, force: true }));
  }
}
