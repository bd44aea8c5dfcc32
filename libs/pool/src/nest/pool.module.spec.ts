import { jest } from '@jest/globals';
import { Injectable, Logger, type INestApplicationContext } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { InvalidOptionsError } from '@steward/common';
import { LifecycleManager, LifecycleModule } from '@steward/lifecycle';
import type { ResourceFactory } from '../core/interfaces/resource-factory.interface.js';
import { Pool } from '../core/pool.js';
import { InjectPool } from './inject-pool.decorator.js';
import { PoolHealthIndicator } from './pool-health.indicator.js';
import { PoolModule } from './pool.module.js';
import { getPoolHostToken, getPoolToken } from './pool.tokens.js';
import type { PoolHost } from './pool.host.js';

interface Conn {
  id: number;
}

/** An in-memory factory that records what is alive; `failAfter` makes every create after the n-th fail. */
class MemoryFactory implements ResourceFactory<Conn> {
  readonly alive = new Set<Conn>();
  creates = 0;
  failAfter = Infinity;
  async create(): Promise<Conn> {
    this.creates++;
    if (this.creates > this.failAfter) throw new Error('connection refused');
    const conn = { id: this.creates };
    this.alive.add(conn);
    return conn;
  }
  async destroy(conn: Conn): Promise<void> {
    this.alive.delete(conn);
  }
}

@Injectable()
class TwoPools {
  constructor(
    @InjectPool('a') readonly a: Pool<Conn>,
    @InjectPool('b') readonly b: Pool<Conn>,
  ) {}
}

describe('PoolModule', () => {
  let app: INestApplicationContext | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('resolves named pools to different instances and the default pool by the Pool class', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ name: 'a', factory: new MemoryFactory(), max: 2 }),
        PoolModule.forRoot({ name: 'b', factory: new MemoryFactory(), max: 3 }),
        PoolModule.forRoot({ factory: new MemoryFactory(), max: 4 }),
      ],
      providers: [TwoPools],
    }).compile();
    app = await moduleRef.init();
    const pools = app.get(TwoPools);
    expect(pools.a).toBeInstanceOf(Pool);
    expect(pools.a).not.toBe(pools.b);
    expect([pools.a.name, pools.a.stats().max]).toEqual(['a', 2]);
    expect([pools.b.name, pools.b.stats().max]).toEqual(['b', 3]);
    expect(app.get(Pool).name).toBe('default');
    expect(app.get(Pool)).toBe(app.get(getPoolToken()));
  });

  it('forRootAsync takes its options from ConfigService', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ POOL_MAX: 7 })] }),
        PoolModule.forRootAsync({
          name: 'db',
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            factory: new MemoryFactory(),
            max: config.getOrThrow<number>('POOL_MAX'),
          }),
        }),
      ],
    }).compile();
    app = await moduleRef.init();
    expect(app.get<Pool<Conn>>(getPoolToken('db')).stats().max).toBe(7);
  });

  it('forRootAsync accepts an options class (useClass)', async () => {
    @Injectable()
    class DbPoolOptions {
      create() {
        return { factory: new MemoryFactory(), max: 5 };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRootAsync({ name: 'db', useClass: DbPoolOptions })],
    }).compile();
    app = await moduleRef.init();
    expect(app.get<Pool<Conn>>(getPoolToken('db')).stats().max).toBe(5);
  });

  it('rejects bad options at registration with every bad field and no value echoed', () => {
    const secret = 'sup3r-s3cret-password';
    let caught: unknown;
    try {
      PoolModule.forRoot({
        name: 'db',
        factory: { create: secret } as unknown as ResourceFactory<Conn>,
        min: 5,
        max: 0,
        acquireTimeoutMs: secret as unknown as number,
        idleOrder: 'random' as 'lifo',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    const error = caught as InvalidOptionsError;
    expect([...new Set(error.issues.map((i) => i.path))].sort()).toEqual([
      'acquireTimeoutMs',
      'factory',
      'idleOrder',
      'max',
      'min',
    ]);
    expect(error.message).toContain('pool "db"');
    expect(error.message).not.toContain(secret);
  });

  it('fails boot from forRootAsync with the full list of bad fields', async () => {
    const compiled = Test.createTestingModule({
      imports: [
        PoolModule.forRootAsync({
          name: 'db',
          useFactory: () => ({ factory: new MemoryFactory(), min: 3, max: 2, maxUses: -1 }),
        }),
      ],
    }).compile();
    await expect(compiled).rejects.toMatchObject({
      issues: expect.arrayContaining([
        expect.objectContaining({ path: 'maxUses' }),
        expect.objectContaining({ path: 'min' }),
      ]),
    });
  });

  it('warms up to min in onModuleInit and, when a create fails, closes what it created before rethrowing', async () => {
    const factory = new MemoryFactory();
    factory.failAfter = 2;
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ name: 'db', factory, min: 4, max: 4, createRetry: { baseMs: 1, maxMs: 1 } }),
      ],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow();
    const pool = moduleRef.get<Pool<Conn>>(getPoolToken('db'));
    expect(pool.closed).toBe(true);
    expect(factory.creates).toBeGreaterThan(0);
    expect(factory.alive.size).toBe(0);
    await moduleRef.close();
  });

  it('has min resources ready after init', async () => {
    const factory = new MemoryFactory();
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'db', factory, min: 2, max: 4 })],
    }).compile();
    app = await moduleRef.init();
    expect(factory.alive.size).toBe(2);
  });

  it('drains and closes on shutdown; closing twice is harmless; a pool that never started closes too', async () => {
    const factory = new MemoryFactory();
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'db', factory, min: 1, max: 2 })],
    }).compile();
    const started = await moduleRef.init();
    const pool = started.get<Pool<Conn>>(getPoolToken('db'));
    await pool.use(async () => undefined);
    await started.close();
    await started.close();
    expect(pool.closed).toBe(true);
    expect(factory.alive.size).toBe(0);

    const neverStarted = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'idle', factory: new MemoryFactory(), min: 1 })],
    }).compile();
    const host = neverStarted.get<PoolHost>(getPoolHostToken('idle'));
    await host.onApplicationShutdown();
    await host.onApplicationShutdown();
    expect(host.pool.closed).toBe(true);
  });

  it('registers maintenance in SchedulerRegistry under a namespaced name and removes it before shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ScheduleModule.forRoot(),
        PoolModule.forRoot({ name: 'db', factory: new MemoryFactory(), maintenanceIntervalMs: 60_000 }),
      ],
    }).compile();
    const started = await moduleRef.init();
    const scheduler = started.get(SchedulerRegistry);
    expect(scheduler.getIntervals()).toContain('steward:pool:db:maintain');
    const host = started.get<PoolHost>(getPoolHostToken('db'));
    host.beforeApplicationShutdown();
    expect(scheduler.getIntervals()).not.toContain('steward:pool:db:maintain');
    await started.close();
  });

  it('runs maintenance on its own timer without ScheduleModule, and stops it at shutdown', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ name: 'db', factory: new MemoryFactory(), maintenanceIntervalMs: 1_000 }),
      ],
    }).compile();
    const started = await moduleRef.init();
    const pool = started.get<Pool<Conn>>(getPoolToken('db'));
    const maintain = jest.spyOn(pool, 'maintain');
    await jest.advanceTimersByTimeAsync(3_000);
    expect(maintain).toHaveBeenCalledTimes(3);
    started.get<PoolHost>(getPoolHostToken('db')).beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(3_000);
    expect(maintain).toHaveBeenCalledTimes(3);
    await started.close();
  });

  it('warns when two pools share a name, also with LifecycleModule (one unit, one metric series)', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [
        LifecycleModule.forRoot({ shutdown: { delayMs: 0 } }),
        PoolModule.forRoot({ name: 'dup', factory: new MemoryFactory() }),
        PoolModule.forRoot({ name: 'dup', factory: new MemoryFactory(), max: 3 }),
      ],
    }).compile();
    app = await moduleRef.init();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('"dup" is registered more than once'));
    expect(
      app
        .get(LifecycleManager)
        .units()
        .filter((u) => u.name === 'pool:dup'),
    ).toHaveLength(1);
  });

  it('pushes metrics with the pool label on events', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'db', factory: new MemoryFactory(), max: 2 })],
    }).compile();
    app = await moduleRef.init();
    const pool = app.get<Pool<Conn>>(getPoolToken('db'));
    const lease = await pool.acquire();
    let text = await register.metrics();
    expect(text).toContain('steward_pool_resources{pool="db",state="borrowed"} 1');
    expect(text).toMatch(/steward_pool_acquire_seconds_count\{pool="db"\} 1/);
    await lease.destroy();
    text = await register.metrics();
    expect(text).toContain('steward_pool_destroyed_total{pool="db",reason="destroyed-by-holder"} 1');
    expect(text).toContain('steward_pool_resources{pool="db",state="borrowed"} 0');
  });

  it('counts a resource whose destroy is still running as destroying in the metrics', async () => {
    let finishDestroy: (() => void) | undefined;
    // The first destroy waits for the test; later ones (at close) are immediate.
    class SlowDestroyFactory extends MemoryFactory {
      override destroy(conn: Conn): Promise<void> {
        if (finishDestroy) return super.destroy(conn);
        return new Promise((resolve) => (finishDestroy = () => void super.destroy(conn).then(resolve)));
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'db', factory: new SlowDestroyFactory(), max: 2 })],
    }).compile();
    app = await moduleRef.init();
    const pool = app.get<Pool<Conn>>(getPoolToken('db'));
    const lease = await pool.acquire();
    const destroyed = lease.destroy();
    await new Promise((resolve) => setImmediate(resolve)); // the pool pushes its sizes after the event
    expect(await register.metrics()).toContain('steward_pool_resources{pool="db",state="destroying"} 1');
    finishDestroy!();
    await destroyed;
    // The gauges refresh on the pool's next event (or its maintenance pass).
    const next = await pool.acquire();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await register.metrics()).toContain('steward_pool_resources{pool="db",state="destroying"} 0');
    await next.release();
  });

  it('reports health up, degraded when saturated, down when it cannot create or is closed', async () => {
    const factory = new MemoryFactory();
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'db', factory, max: 1, degradedWaiting: 0, warmUp: false })],
    }).compile();
    app = await moduleRef.init();
    const health = app.get(PoolHealthIndicator);
    const pool = app.get<Pool<Conn>>(getPoolToken('db'));
    expect((await health.check('db'))['pool:db'].status).toBe('up');

    const lease = await pool.acquire();
    const waiter = pool.acquire();
    const saturated = await health.check('db');
    expect(saturated['pool:db']).toMatchObject({
      status: 'degraded',
      reason: 'waiting acquires above the threshold',
    });
    // Readiness is public: no figures in it.
    expect(saturated['pool:db']).not.toHaveProperty('stats');
    await lease.destroy();
    await (await waiter).destroy();

    factory.failAfter = 0;
    await expect(pool.acquire({ timeoutMs: 50 })).rejects.toThrow();
    expect((await health.check('db'))['pool:db'].status).toBe('down');
    expect(JSON.stringify(await health.check('db'))).not.toContain('connection refused');
    expect((await health.check('nope'))['pool:nope'].status).toBe('down');
  });

  it('reports a closed pool down, saying why, even though it could still create', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ name: 'db', factory: new MemoryFactory(), min: 1 }),
        PoolModule.forRoot({ name: 'cache', factory: new MemoryFactory(), min: 1, optional: true }),
      ],
    }).compile();
    app = await moduleRef.init();
    const health = app.get(PoolHealthIndicator);
    expect((await health.check('db'))['pool:db'].status).toBe('up');
    await app.get<Pool<Conn>>(getPoolToken('db')).close();
    await app.get<Pool<Conn>>(getPoolToken('cache')).close();
    expect((await health.check('db'))['pool:db']).toMatchObject({ status: 'down', reason: 'pool is closed' });
    expect((await health.check('cache'))['pool:cache']).toMatchObject({
      status: 'degraded',
      reason: 'pool is closed',
    });
  });

  it('logs once when creates start failing (code only, no driver message) and once when they recover', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const factory = new MemoryFactory();
    factory.failAfter = 0;
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ name: 'db', factory, warmUp: false, createRetry: { baseMs: 1, maxMs: 1 } }),
      ],
    }).compile();
    app = await moduleRef.init();
    const pool = app.get<Pool<Conn>>(getPoolToken('db'));
    await expect(pool.acquire({ timeoutMs: 30 })).rejects.toThrow();
    await expect(pool.acquire({ timeoutMs: 30 })).rejects.toThrow();
    expect(factory.creates).toBeGreaterThan(2);
    const failing = warn.mock.calls.filter(([m]) => String(m).includes('cannot create resources'));
    expect(failing).toEqual([['Pool "db" cannot create resources (Error); retrying with backoff.']]);
    factory.failAfter = Infinity;
    await pool.use(async () => undefined);
    expect(log.mock.calls.filter(([m]) => m === 'Pool "db" creates resources again.')).toHaveLength(1);
  });

  it('measures saturation against the current max after a resize when degradedWaiting is not set', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PoolModule.forRoot({ name: 'db', factory: new MemoryFactory(), max: 4, warmUp: false })],
    }).compile();
    app = await moduleRef.init();
    const health = app.get(PoolHealthIndicator);
    const pool = app.get<Pool<Conn>>(getPoolToken('db'));
    pool.resize(0, 1);
    const lease = await pool.acquire();
    const waiters = [pool.acquire(), pool.acquire()];
    expect((await health.check('db'))['pool:db']).toMatchObject({
      status: 'degraded',
      reason: 'waiting acquires above the threshold',
    });
    lease.release();
    for (const waiter of waiters) (await waiter).release();
  });

  it('reports an optional pool that cannot create as degraded, not down', async () => {
    const factory = new MemoryFactory();
    factory.failAfter = 0;
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({ name: 'cache', factory, optional: true, createRetry: { baseMs: 1, maxMs: 1 } }),
      ],
    }).compile();
    app = await moduleRef.init();
    await expect(app.get<Pool<Conn>>(getPoolToken('cache')).acquire({ timeoutMs: 50 })).rejects.toThrow();
    expect((await app.get(PoolHealthIndicator).check('cache'))['pool:cache'].status).toBe('degraded');
  });

  it('registers each pool as a lifecycle unit when the app imports LifecycleModule, stopped at close', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        LifecycleModule.forRoot({ shutdown: { delayMs: 0 } }),
        PoolModule.forRoot({ name: 'a', factory: new MemoryFactory(), min: 1 }),
        PoolModule.forRoot({ name: 'b', factory: new MemoryFactory(), min: 1 }),
      ],
    }).compile();
    const started = await moduleRef.init();
    const manager = started.get(LifecycleManager);
    expect(manager.units().map((u) => u.name)).toEqual(expect.arrayContaining(['pool:a', 'pool:b']));
    expect(manager.stateOf('pool:a')).toBe('ready');
    await started.close();
    expect(manager.stateOf('pool:a')).toBe('stopped');
    expect(started.get<Pool<Conn>>(getPoolToken('b')).closed).toBe(true);
  });

  it('with LifecycleModule, a pool with warmUp false boots even when it cannot create', async () => {
    const factory = new MemoryFactory();
    factory.failAfter = 0;
    const moduleRef = await Test.createTestingModule({
      imports: [
        LifecycleModule.forRoot({ shutdown: { delayMs: 0 } }),
        PoolModule.forRoot({ name: 'cache', factory, min: 1, warmUp: false, optional: true }),
      ],
    }).compile();
    const started = await moduleRef.init();
    try {
      expect(started.get(LifecycleManager).stateOf('pool:cache')).toBe('ready');
      expect(started.get<Pool<Conn>>(getPoolToken('cache')).closed).toBe(false);
    } finally {
      await started.close();
    }
  });

  it('lets two apps run in one process, each pushing its own pool series into the shared registry', async () => {
    const boot = async (name: string) =>
      (
        await Test.createTestingModule({
          imports: [PoolModule.forRoot({ name, factory: new MemoryFactory(), min: 1, max: 2 })],
        }).compile()
      ).init();
    const first = await boot('first');
    const second = await boot('second');
    try {
      const lease = await second.get<Pool<Conn>>(getPoolToken('second')).acquire();
      await new Promise((r) => setImmediate(r));
      const text = await register.metrics();
      expect(text).toContain('steward_pool_resources{pool="first",state="idle"} 1');
      expect(text).toContain('steward_pool_resources{pool="second",state="borrowed"} 1');
      lease.release();
      await first.close();
      await second.get<Pool<Conn>>(getPoolToken('second')).use(async () => undefined);
      expect(second.get<Pool<Conn>>(getPoolToken('second')).closed).toBe(false);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
