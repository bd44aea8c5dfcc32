import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { PoolHost } from '@steward/pool';

/** Removes the demo's default SQLite directory at shutdown, once the pool has closed every connection. */
export class SqliteFileCleanup implements OnApplicationShutdown {
  constructor(
    private readonly path: string,
    private readonly host: PoolHost,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    // Idempotent: whichever hook runs first drains the pool, the other awaits the same promise.
    await this.host.onApplicationShutdown();
    await rm(dirname(this.path), { recursive: true, force: true });
  }
}
