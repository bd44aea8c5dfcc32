import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Module, ValidationPipe, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import type pg from 'pg';
import {
  getPoolHostToken,
  getPoolToken,
  PoolModule,
  type Pool,
  type PoolHost,
  type ResourceFactory,
} from '@steward/pool';
import { redisBudget } from '@steward/pool/budget';
import { postgresFactory } from '@steward/pool/postgres';
import { processFactory } from '@steward/pool/process';
import { redisFactory } from '@steward/pool/redis';
import { sqliteFactory } from '@steward/pool/sqlite';
import { defaultSqlitePath, type DemoConfig } from './demo.config.js';
import { CACHE_POOL, DB_POOL, DEMO_CONFIG, HASH_POOL, ITEMS_CACHE_PREFIX } from './demo.constants.js';
import { HashController } from './hash/hash.controller.js';
import { hashWorkerPath } from './hash/hash-worker.path.js';
import { HashService } from './hash/hash.service.js';
import { HealthController } from './health.controller.js';
import { ItemsCache, itemsCachePrefix } from './items/items.cache.js';
import { ItemsController } from './items/items.controller.js';
import { ItemsRepository } from './items/items.repository.js';
import { ItemsService } from './items/items.service.js';
import { PostgresItemsRepository } from './items/postgres-items.repository.js';
import { SqliteItemsRepository } from './items/sqlite-items.repository.js';
import { SqliteFileCleanup } from './sqlite-file.cleanup.js';

/**
 * The demo service: items over the `db` pool (SQLite by default, PostgreSQL with `DATABASE_URL`), a
 * Redis cache pool with `REDIS_URL`, scrypt in a pool of worker processes, readiness over every pool. The app adds `/metrics`
 * (`PrometheusModule.register()`), so two apps can share one process in tests.
 */
@Module({})
export class DemoModule {
  /** The demo configured by `config` (see `loadDemoConfig`). */
  static forRoot(config: DemoConfig): DynamicModule {
    const sqlitePath = config.databaseUrl ? undefined : (config.sqlitePath ?? defaultSqlitePath());
    const providers: Provider[] = [
      { provide: DEMO_CONFIG, useValue: config },
      {
        provide: APP_PIPE,
        useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
      },
      {
        provide: ItemsRepository,
        useFactory: (pool: Pool<unknown>) =>
          config.databaseUrl
            ? new PostgresItemsRepository(pool as Pool<pg.Client>, config.itemsTable)
            : new SqliteItemsRepository(pool as Pool<DatabaseSync>, config.itemsTable),
        inject: [getPoolToken(DB_POOL)],
      },
      {
        provide: ITEMS_CACHE_PREFIX,
        useValue: itemsCachePrefix(config.itemsTable, { url: config.databaseUrl, sqlitePath }),
      },
      ItemsCache,
      ItemsService,
      HashService,
    ];
    if (sqlitePath && !config.sqlitePath) {
      providers.push({
        provide: SqliteFileCleanup,
        useFactory: (host: PoolHost) => new SqliteFileCleanup(sqlitePath, host),
        inject: [getPoolHostToken(DB_POOL)],
      });
    }
    const pools: DynamicModule[] = [
      PoolModule.forRoot({
        name: DB_POOL,
        factory: config.databaseUrl
          ? postgresFactory({
              connectionString: config.databaseUrl,
              applicationName: config.pgApplicationName,
            })
          : sqliteFileFactory(sqlitePath!),
        min: 1,
        max: config.dbMax,
        acquireTimeoutMs: config.dbAcquireTimeoutMs,
        leakDetectionMs: config.dbLeakDetectionMs,
        createTimeoutMs: 5_000,
        keepaliveIntervalMs: config.maintenanceIntervalMs,
        maintenanceIntervalMs: config.maintenanceIntervalMs,
        // A connection idle for more than the skip window gets a SELECT 1 before it is lent: a backend
        // killed while idle costs a retry inside the pool, not a failed request.
        validateOnBorrow: true,
        createRetry: { baseMs: 100, maxMs: 2_000 },
        idleTimeoutMs: config.dbIdleTimeoutMs,
        budget: dbBudget(config),
      }),
      PoolModule.forRoot({
        name: HASH_POOL,
        factory: processFactory({ name: 'hash-worker', args: [hashWorkerPath()], killTimeoutMs: 2_000 }),
        // Workers start on first use and stay warm; readiness does not wait for a spawn.
        min: 0,
        max: config.hashWorkers,
        acquireTimeoutMs: 10_000,
        createTimeoutMs: 10_000,
        maintenanceIntervalMs: config.maintenanceIntervalMs,
      }),
    ];
    if (config.redisUrl) {
      pools.push(
        PoolModule.forRoot({
          name: CACHE_POOL,
          factory: redisFactory({
            url: config.redisUrl,
            connectionName: config.redisConnectionName,
            connectTimeoutMs: 1_000,
          }),
          min: 1,
          max: 4,
          acquireTimeoutMs: 100,
          createTimeoutMs: 1_000,
          keepaliveIntervalMs: config.maintenanceIntervalMs,
          maintenanceIntervalMs: config.maintenanceIntervalMs,
          createRetry: { baseMs: 100, maxMs: 5_000 },
          // The app keeps serving from the database when Redis is down: no fail-fast boot, no 503.
          warmUp: false,
          optional: true,
        }),
      );
    }
    return {
      module: DemoModule,
      imports: [TerminusModule, ...pools],
      controllers: [HealthController, ItemsController, HashController],
      providers,
    };
  }
}

/**
 * The db pool's share of a connection budget shared by every replica, when configured. The budget owns
 * its Redis connection (opened on its first sync, closed after the pool gave its slots back).
 */
function dbBudget(config: DemoConfig) {
  const budget = config.dbBudget;
  if (!budget || !config.redisUrl) return undefined;
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    connectionName: `${config.redisConnectionName}-budget`,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 1,
  });
  // Failures are counted by the budget (renew errors, readiness); ioredis must not crash the process.
  redis.on('error', () => undefined);
  return redisBudget({ redis, closeRedis: true, ...budget });
}

/** SQLite in WAL mode; the directory is created with the first connection, not at registration. */
function sqliteFileFactory(path: string): ResourceFactory<DatabaseSync> {
  const inner = sqliteFactory({ path });
  return {
    ...inner,
    create: (signal) => {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return inner.create(signal);
    },
  };
}
