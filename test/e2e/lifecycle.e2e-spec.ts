import { Controller, Get, Inject, Injectable, Module, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { Agent, get } from 'node:http';
import { register, type Counter, type Gauge, type Histogram } from 'prom-client';
import request from 'supertest';
import { InvalidOptionsError } from '@steward/common';
import { InjectPool, PoolModule, type Pool, type ResourceFactory } from '@steward/pool';
import {
  enableLifecycleShutdown,
  LifecycleHealthIndicator,
  LifecycleManager,
  LifecycleModule,
  ManagedProcess,
  ManagedUnit,
  ShutdownState,
  UnitStartError,
} from '@steward/lifecycle';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGBREAK'] as const;
const listenerCounts = (): number[] => SIGNALS.map((s) => process.listenerCount(s));

const log: string[] = [];

/** A store that refuses writes once stopped. */
@ManagedUnit()
@Injectable()
class DbService {
  private open = false;
  async start(): Promise<void> {
    this.open = true;
    log.push('start:db');
  }
  async stop(): Promise<void> {
    this.open = false;
    log.push('stop:db');
  }
  write(entry: string): void {
    if (!this.open) throw new Error('db is closed');
    log.push(`write:${entry}`);
  }
}

/** A plain provider between the audit service and the db: the dependency is found through it. */
@Injectable()
class AuditRepository {
  constructor(private readonly db: DbService) {}
  append(entry: string): void {
    this.db.write(entry);
  }
}

/** Flushes through the repository on stop: must stop before the db. */
@ManagedUnit({ name: 'audit' })
@Injectable()
class AuditService {
  constructor(private readonly repository: AuditRepository) {}
  async start(): Promise<void> {
    log.push('start:audit');
  }
  async stop(): Promise<void> {
    this.repository.append('flush');
    log.push('stop:audit');
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly lifecycle: LifecycleHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.lifecycle.liveness()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.lifecycle.readiness(), () => this.lifecycle.units()]);
  }
}

const shutdown = { delayMs: 0, drainTimeoutMs: 200, stopTimeoutMs: 500, deadlineMs: 5_000 };

async function createApp(
  options: { delayMs?: number; deadlineMs?: number; metrics?: boolean; providers?: unknown[] } = {},
): Promise<INestApplication> {
  @Module({
    imports: [
      TerminusModule,
      LifecycleModule.forRoot({
        shutdown: {
          ...shutdown,
          delayMs: options.delayMs ?? 0,
          deadlineMs: options.deadlineMs ?? shutdown.deadlineMs,
        },
        metrics: options.metrics ?? false,
      }),
    ],
    controllers: [HealthController],
    // Audit first: discovery order alone would stop the db before it.
    providers: (options.providers as never[]) ?? [AuditService, AuditRepository, DbService],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  return moduleRef.createNestApplication({ logger: false });
}

beforeEach(() => {
  log.length = 0;
});

afterEach(() => {
  register.clear();
});

describe('LifecycleModule (e2e)', () => {
  it('item 7: a service whose stop writes through another provider stops before it', async () => {
    const app = await createApp();
    await app.init();
    const manager = app.get(LifecycleManager);
    expect(manager.units().find((u) => u.name === 'audit')?.dependsOn).toEqual(['DbService']);
    expect(log).toEqual(['start:db', 'start:audit']);
    await app.close();
    expect(log).toEqual(['start:db', 'start:audit', 'write:flush', 'stop:audit', 'stop:db']);
    expect(manager.state).toBe('stopped');
  });

  it('item 8: SIGTERM turns readiness 503 at once, liveness stays 200, new connections are served during delayMs', async () => {
    const baseline = listenerCounts();
    // Roomy: the two probes below must land inside the delay even on a loaded machine.
    const app = await createApp({ delayMs: 3_000 });
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    enableLifecycleShutdown(app, { exit: resolveExit });
    await app.listen(0, '127.0.0.1');
    const server = app.getHttpServer();
    const state = app.get(ShutdownState);
    await request(server).get('/health/ready').expect(200);

    // Runs right after our handler, in the same emit: the flip must already be visible.
    const seenAtSignal = new Promise<boolean>((resolve) =>
      process.once('SIGTERM', () => resolve(state.isShuttingDown)),
    );
    // Jest gives each test file its own `process` object, so a real kill would not reach these listeners:
    // emit the signal the way Node delivers it (the chaos suite sends a real one to a child process).
    process.emit('SIGTERM', 'SIGTERM');
    expect(await seenAtSignal).toBe(true);

    // Fresh connections (supertest opens one per request) are still accepted inside delayMs.
    const ready = await request(server).get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error.lifecycle).toEqual({ status: 'down', state: 'shutting-down' });
    await request(server).get('/health/live').expect(200);
    expect(log).toEqual(['start:db', 'start:audit']);

    expect(await exited).toBe(0);
    expect(log).toEqual(['start:db', 'start:audit', 'write:flush', 'stop:audit', 'stop:db']);
    expect(server.listening).toBe(false);
    expect(listenerCounts()).toEqual(baseline);
  });

  it('skips the delay when the HTTP server is not listening', async () => {
    const app = await createApp({ delayMs: 60_000, deadlineMs: 70_000 });
    await app.init();
    // A minute of delay against a 3 s window: not a speed goal, a delay that should not happen at all.
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      app.close().then(() => 'closed'),
      new Promise((resolve) => (timer = setTimeout(resolve, 3_000, 'delayed'))),
    ]);
    clearTimeout(timer);
    expect(outcome).toBe('closed');
    expect(log).toEqual(['start:db', 'start:audit', 'write:flush', 'stop:audit', 'stop:db']);
  });

  it('item 21: 20 create/close cycles leave the process signal listeners at baseline', async () => {
    const baseline = listenerCounts();
    for (let i = 0; i < 20; i++) {
      const app = await createApp();
      app.enableShutdownHooks();
      enableLifecycleShutdown(app, { exit: () => undefined });
      await app.init();
      expect(listenerCounts()).not.toEqual(baseline);
      await app.close();
    }
    expect(listenerCounts()).toEqual(baseline);
  });

  it('a failed start stops what started, fails init, and shuts the rest down', async () => {
    @ManagedUnit({ name: 'broken' })
    @Injectable()
    class Broken {
      constructor(readonly db: DbService) {}
      async start(): Promise<void> {
        throw new Error('no route to host');
      }
    }
    const app = await createApp({ providers: [DbService, Broken] });
    const error = await app.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnitStartError);
    expect((error as UnitStartError).unit).toBe('broken');
    expect(log).toEqual(['start:db', 'stop:db']);
    await app.close();
    expect(log).toEqual(['start:db', 'stop:db']);
  });

  it('forRootAsync takes its options from a factory, budget check included', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        LifecycleModule.forRootAsync({
          useFactory: async () => ({ shutdown, startTimeoutMs: 1_234 }),
        }),
      ],
      providers: [DbService],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(app.get(LifecycleManager).units()).toEqual([
      expect.objectContaining({
        name: 'DbService',
        state: 'ready',
        startTimeoutMs: 1_234,
        stopTimeoutMs: 500,
      }),
    ]);
    await app.close();
    expect(log).toEqual(['start:db', 'stop:db']);

    const bad = Test.createTestingModule({
      imports: [
        LifecycleModule.forRootAsync({ useFactory: () => ({ shutdown: { ...shutdown, deadlineMs: 600 } }) }),
      ],
    }).compile();
    await expect(bad).rejects.toThrow(/exceeds deadlineMs \(600 ms\)/);
  });

  it('refuses a shutdown budget that does not fit the deadline', async () => {
    const attempt = Test.createTestingModule({
      imports: [
        LifecycleModule.forRoot({
          shutdown: { delayMs: 5_000, drainTimeoutMs: 10_000, stopTimeoutMs: 5_000, deadlineMs: 15_000 },
        }),
      ],
    }).compile();
    await expect(attempt).rejects.toThrow(InvalidOptionsError);
    await expect(attempt).rejects.toThrow(/exceeds deadlineMs \(15000 ms\)/);
  });

  it('refuses a unit whose stop timeout exceeds what the deadline leaves for units', async () => {
    @ManagedUnit({ name: 'slow', stopTimeoutMs: 60_000 })
    @Injectable()
    class Slow {
      async stop(): Promise<void> {}
    }
    const app = await createApp({ providers: [Slow] });
    await expect(app.init()).rejects.toThrow(/unit 'slow' has stopTimeoutMs 60000 ms/);
    await app.close();
  });

  it('pushes process restarts and server connections', async () => {
    const crasher = new ManagedProcess({
      name: 'crasher',
      command: '/bin/sh',
      args: ['-c', 'exit 1'],
      backoff: { baseMs: 1, maxMs: 1 },
      crashLoop: { maxRestarts: 2, windowMs: 60_000 },
    });
    @Injectable()
    class Registrar {
      constructor(manager: LifecycleManager) {
        manager.add(crasher);
      }
    }
    const app = await createApp({ metrics: true, providers: [Registrar] });
    const failed = new Promise<void>((resolve) =>
      crasher.onTransition((e) => e.to === 'failed' && resolve()),
    );
    await app.listen(0, '127.0.0.1');
    await failed;
    const restarts = (
      await (register.getSingleMetric('steward_process_restarts_total') as Counter<string>).get()
    ).values;
    expect(restarts).toEqual([expect.objectContaining({ labels: { process: 'crasher' }, value: 2 })]);
    const units = (await (register.getSingleMetric('steward_unit_state') as Gauge<string>).get()).values;
    expect(units.find((v) => v.labels.unit === 'crasher' && v.labels.state === 'failed')?.value).toBe(1);

    const agent = new Agent({ keepAlive: true });
    const { port } = app.getHttpServer().address() as { port: number };
    await new Promise<void>((resolve) =>
      get({ host: '127.0.0.1', port, path: '/health/live', agent }, (res) =>
        res.resume().once('end', resolve),
      ),
    );
    const connections = async () =>
      (await (register.getSingleMetric('steward_server_connections') as Gauge<string>).get()).values.find(
        (v) => v.labels.server === 'http',
      )?.value;
    expect(await connections()).toBe(1);
    await app.close();
    agent.destroy();
    expect(await connections()).toBe(0);
  });

  it('pushes unit state metrics when metrics are on, and works without them', async () => {
    const app = await createApp({ metrics: true });
    await app.init();
    const gauge = register.getSingleMetric('steward_unit_state') as Gauge<string>;
    const values = (await gauge.get()).values;
    const value = (unit: string, s: string) =>
      values.find((v) => v.labels.unit === unit && v.labels.state === s)?.value;
    expect(value('DbService', 'ready')).toBe(1);
    expect(value('DbService', 'starting')).toBe(0);
    expect(value('audit', 'ready')).toBe(1);
    await app.close();
    // The histogram exists from registration on: only an observed shutdown makes its count 1.
    const shutdownSeconds = register.getSingleMetric('steward_shutdown_seconds') as Histogram<string>;
    const count = (await shutdownSeconds.get()).values.find(
      (v) => v.metricName === 'steward_shutdown_seconds_count',
    );
    expect(count?.value).toBe(1);
    register.clear();

    const plain = await createApp({ metrics: false });
    await plain.init();
    expect(register.getSingleMetric('steward_unit_state')).toBeUndefined();
    await plain.close();
    expect(log.filter((l) => l === 'stop:db')).toHaveLength(2);
  });
});

/** In-memory connections that remember what was written through them while the pool lent them. */
class MemoryDb implements ResourceFactory<{ id: number }> {
  readonly writes: string[] = [];
  private next = 0;
  async create(): Promise<{ id: number }> {
    return { id: ++this.next };
  }
  async destroy(): Promise<void> {}
}

describe('pools are units of the one lifecycle (issue 12)', () => {
  /** Writes a last journal line through the pool when it stops. */
  @ManagedUnit({ name: 'journal' })
  @Injectable()
  class Journal {
    constructor(@InjectPool('db') private readonly db: Pool<{ id: number }>) {}
    async stop(): Promise<void> {
      await this.db.use(() => void log.push('journal:flushed'));
    }
  }

  async function createPoolApp(options: { drainTimeoutMs: number; stopTimeoutMs: number }) {
    const factory = new MemoryDb();
    @Module({
      imports: [
        LifecycleModule.forRoot({
          shutdown: {
            delayMs: 0,
            drainTimeoutMs: 100,
            stopTimeoutMs: options.stopTimeoutMs,
            deadlineMs: 5_000,
          },
        }),
        PoolModule.forRoot({ name: 'db', factory, min: 1, drainTimeoutMs: options.drainTimeoutMs }),
      ],
      providers: [Journal],
    })
    class PoolAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [PoolAppModule] }).compile();
    return moduleRef.createNestApplication({ logger: false });
  }

  it('finding 2: a unit that injects a pool with @InjectPool depends on the pool unit', async () => {
    const app = await createPoolApp({ drainTimeoutMs: 1_000, stopTimeoutMs: 500 });
    await app.init();
    const manager = app.get(LifecycleManager);
    expect(manager.units().find((u) => u.name === 'journal')?.dependsOn).toEqual(['pool:db']);
    await app.close();
  });

  it('finding 2: a unit that injects a managed process added by a factory provider depends on it', async () => {
    const WORKER = 'worker-process';
    @ManagedUnit({ name: 'dispatcher' })
    @Injectable()
    class Dispatcher {
      constructor(@Inject(WORKER) readonly worker: ManagedProcess) {}
      async stop(): Promise<void> {
        log.push(`dispatcher:stop:${this.worker.state}`);
      }
    }
    @Module({
      imports: [
        LifecycleModule.forRoot({
          shutdown: { delayMs: 0, drainTimeoutMs: 100, stopTimeoutMs: 2_000, deadlineMs: 5_000 },
        }),
      ],
      providers: [
        Dispatcher,
        {
          provide: WORKER,
          inject: [LifecycleManager],
          useFactory: (manager: LifecycleManager) => {
            const worker = new ManagedProcess({
              name: 'worker',
              command: '/bin/sh',
              args: ['-c', 'exec sleep 30'],
            });
            manager.add(worker);
            return worker;
          },
        },
      ],
    })
    class ProcessAppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [ProcessAppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const manager = app.get(LifecycleManager);
    expect(manager.units().find((u) => u.name === 'dispatcher')?.dependsOn).toEqual(['worker']);
    await app.close();
    // The dispatcher stopped while its worker still ran, then the worker stopped.
    expect(log).toEqual(['dispatcher:stop:ready']);
    expect(manager.stateOf('worker')).toBe('stopped');
  });

  it('finding 1: the pool stops inside the manager, after the unit that writes through it', async () => {
    const app = await createPoolApp({ drainTimeoutMs: 1_000, stopTimeoutMs: 500 });
    await app.init();
    const manager = app.get(LifecycleManager);
    const pool = app.get<Pool<{ id: number }>>('steward:pool:db');
    const closedAtJournalStop: boolean[] = [];
    manager.onTransition((e) => {
      if (e.subject === 'journal' && e.to === 'stopping') closedAtJournalStop.push(pool.closed);
    });
    await app.close();
    // The journal's last write went through an open pool: the pool stopped after it, not before.
    expect(log).toEqual(['journal:flushed']);
    expect(closedAtJournalStop).toEqual([false]);
    expect(manager.stateOf('pool:db')).toBe('stopped');
    expect(pool.closed).toBe(true);
  });

  it("finding 1: a lease held past the pool unit's stopTimeoutMs is cut off there, not at the pool's drainTimeoutMs", async () => {
    // A drain of one minute: only the unit's 300 ms stop timeout can end this close in time.
    const app = await createPoolApp({ drainTimeoutMs: 60_000, stopTimeoutMs: 300 });
    await app.init();
    const manager = app.get(LifecycleManager);
    const pool = app.get<Pool<{ id: number }>>('steward:pool:db');
    const lease = await pool.acquire();
    await app.close();
    expect(log).toEqual(['journal:flushed']);
    expect(pool.closed).toBe(true);
    expect(lease.resource).toBeDefined();
    expect(manager.stateOf('journal')).toBe('stopped');
    expect(['stopped', 'failed']).toContain(manager.stateOf('pool:db'));
  }, 10_000);
});
