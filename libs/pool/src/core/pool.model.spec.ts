import { jest } from '@jest/globals';
import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { Pool } from './pool.js';
import type { Lease } from './interfaces/lease.interface.js';
import type { ResourceFactory } from './interfaces/resource-factory.interface.js';
import { PoolAbortedError, PoolClosedError, PoolExhaustedError, PoolTimeoutError } from './pool.errors.js';

/**
 * Model test: random interleavings of acquire / release / destroy / abort / timeout / resize / reset /
 * maintain / close against a factory that fails, hangs and returns late at random, checked after
 * every step against a simple model of who holds what and who waits in which order.
 */

interface Resource {
  id: number;
  destroys: number;
}

type Behaviour = { kind: 'ok' | 'fail' | 'late'; delayMs: number } | { kind: 'hang' };

const CREATE_TIMEOUT_MS = 100;

/** A factory that follows a script and checks the bound on alive + creating at every create. */
class ScriptedFactory implements ResourceFactory<Resource> {
  alive = new Set<Resource>();
  all: Resource[] = [];
  pending = 0;
  violations: string[] = [];
  private next = 0;
  private id = 0;

  /** Present only when the run enables a reset hook. */
  reset?: (resource: Resource) => Promise<void>;
  private validations = 0;

  constructor(
    private readonly script: Behaviour[],
    private readonly currentMax: () => number,
    private readonly validity: (boolean | 'hang')[],
  ) {}

  validate(resource: Resource): Promise<boolean> {
    if (resource.destroys > 0) this.violations.push(`validate on destroyed resource ${resource.id}`);
    const verdict = this.validity[this.validations++ % this.validity.length];
    // A hanging validation is cut by validateTimeoutMs or close().
    return verdict === 'hang' ? new Promise<boolean>(() => {}) : Promise.resolve(verdict);
  }

  create(signal: AbortSignal): Promise<Resource> {
    this.pending++;
    if (this.alive.size + this.pending > this.currentMax()) {
      this.violations.push(
        `create with ${this.alive.size} alive + ${this.pending} creating > max ${this.currentMax()}`,
      );
    }
    const behaviour = this.script[this.next++ % this.script.length];
    if (behaviour.kind === 'hang') {
      // Hangs until the pool gives up on it (create timeout or close) and aborts the signal.
      return new Promise<Resource>((_, reject) => {
        signal.addEventListener(
          'abort',
          () => {
            this.pending--;
            reject(signal.reason);
          },
          { once: true },
        );
      });
    }
    const delay = behaviour.kind === 'late' ? CREATE_TIMEOUT_MS + behaviour.delayMs : behaviour.delayMs;
    return new Promise<Resource>((resolve, reject) => {
      setTimeout(() => {
        this.pending--;
        if (behaviour.kind === 'fail') reject(new Error('refused'));
        else {
          const resource = { id: ++this.id, destroys: 0 };
          this.alive.add(resource);
          this.all.push(resource);
          resolve(resource);
        }
      }, delay);
    });
  }

  /** A reset that fails for every third call and hangs for every fifth. */
  failingReset = (resource: Resource): Promise<void> => {
    if (resource.destroys > 0) this.violations.push(`reset on destroyed resource ${resource.id}`);
    const n = ++this.resets;
    if (n % 5 === 0) return new Promise<void>(() => {});
    return n % 3 === 0 ? Promise.reject(new Error('dirty')) : Promise.resolve();
  };
  private resets = 0;

  /** How long destroys take, in turn (0: at once); a resource stays alive until its destroy ends. */
  destroyDelays: number[] = [0];
  private destroysStarted = 0;

  destroy(resource: Resource): Promise<void> {
    resource.destroys++;
    if (resource.destroys > 1) this.violations.push(`resource ${resource.id} destroyed twice`);
    const delay = this.destroyDelays[this.destroysStarted++ % this.destroyDelays.length];
    const end = () => void this.alive.delete(resource);
    if (delay === 0) {
      end();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => setTimeout(() => resolve(end()), delay));
  }
}

interface WaiterModel {
  seq: number;
  priority: number;
  timeoutMs: number;
  startedAt: number;
  controller: AbortController;
  settled: boolean;
}

interface LeaseModel {
  lease: Lease<Resource>;
  live: boolean;
}

type Op =
  | { op: 'acquire'; priority: number; timeoutMs: number }
  | { op: 'tryAcquire' }
  | { op: 'release'; index: number }
  | { op: 'releaseTwice'; index: number }
  | { op: 'destroy'; index: number }
  | { op: 'abort'; index: number }
  | { op: 'advance'; ms: number }
  | { op: 'resize'; min: number; max: number }
  | { op: 'reset' }
  | { op: 'maintain' }
  | { op: 'pressure'; high: boolean }
  | { op: 'drain'; deadline: number | undefined }
  | { op: 'close' };

const behaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('ok' as const), delayMs: fc.integer({ min: 0, max: 40 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('fail' as const), delayMs: fc.integer({ min: 0, max: 40 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('late' as const), delayMs: fc.integer({ min: 1, max: 100 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang' as const }) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 18,
    arbitrary: fc.record({
      op: fc.constant('acquire' as const),
      priority: fc.constantFrom(0, 0, 1, -1, 2),
      timeoutMs: fc.constantFrom(20, 150, 400),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ op: 'tryAcquire' as const }) },
  { weight: 15, arbitrary: fc.record({ op: fc.constant('release' as const), index: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('releaseTwice' as const), index: fc.nat(7) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('destroy' as const), index: fc.nat(7) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('abort' as const), index: fc.nat(7) }) },
  {
    weight: 12,
    arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 250 }) }),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ min: fc.integer({ min: 0, max: 2 }), max: fc.integer({ min: 1, max: 4 }) })
      .map(({ min, max }) => ({ op: 'resize' as const, min: Math.min(min, max), max })),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'reset' as const }) },
  { weight: 3, arbitrary: fc.constant({ op: 'maintain' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pressure' as const), high: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('drain' as const),
      deadline: fc.constantFrom(undefined, 0, 50, 300, Number.POSITIVE_INFINITY),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'close' as const }) },
);

describe('Pool model', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps its invariants under random interleavings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(behaviourArb, { minLength: 1, maxLength: 12 }),
        fc.array(opArb, { minLength: 10, maxLength: 80, size: 'max' }),
        fc.integer({ min: 1, max: 4 }),
        fc.record({
          validateOnBorrow: fc.boolean(),
          keepalive: fc.boolean(),
          reset: fc.boolean(),
          maxUses: fc.constantFrom(0, 2),
          // Adaptive sizing: tiny phases so the limit moves within a short run; memory pressure cuts it.
          adaptive: fc.boolean(),
          destroyDelays: fc.array(fc.constantFrom(0, 0, 5, 60, 400), { minLength: 1, maxLength: 4 }),
          validity: fc.array(fc.oneof(fc.boolean(), fc.constant('hang' as const)), {
            minLength: 1,
            maxLength: 5,
          }),
        }),
        async (script, ops, initialMax, config) => {
          let max = initialMax;
          let pressure = 0;
          const factory = new ScriptedFactory(script, () => max, config.validity);
          if (config.reset) factory.reset = factory.failingReset;
          factory.destroyDelays = config.destroyDelays;
          const pool = new Pool<Resource>(factory, {
            max,
            validateOnBorrow: config.validateOnBorrow,
            validateSkipWindowMs: 30,
            validateTimeoutMs: 200,
            keepaliveIntervalMs: config.keepalive ? 100 : 0,
            maxUses: config.maxUses,
            createTimeoutMs: CREATE_TIMEOUT_MS,
            maxWaiting: 6,
            createRetry: { baseMs: 10, maxMs: 50 },
            maintenanceIntervalMs: 70,
            idleTimeoutMs: 300,
            maxLifetimeMs: 1_000,
            adaptive: config.adaptive && { windowSamples: 2, memoryProbe: () => pressure },
          });
          const failures: string[] = [];
          const waiters: WaiterModel[] = [];
          const leases: LeaseModel[] = [];
          let seq = 0;
          let closed = false;
          let drains = 0;
          let drainsSettled = 0;
          let maintains = 0;
          let maintainsSettled = 0;

          const holderOf = (resource: Resource) =>
            leases.find((l) => l.live && l.lease.resource === resource);
          const lend = (lease: Lease<Resource>, how: string) => {
            if (holderOf(lease.resource)) failures.push(`${how}: resource ${lease.resource.id} lent twice`);
            if (lease.resource.destroys > 0)
              failures.push(`${how}: destroyed resource ${lease.resource.id} lent`);
            leases.push({ lease, live: true });
          };
          const liveLeases = () => leases.filter((l) => l.live);
          const pendingWaiters = () => waiters.filter((w) => !w.settled);

          for (const step of ops) {
            switch (step.op) {
              case 'acquire': {
                const controller = new AbortController();
                const waiter: WaiterModel = {
                  seq: seq++,
                  priority: step.priority,
                  timeoutMs: step.timeoutMs,
                  startedAt: Date.now(),
                  controller,
                  settled: false,
                };
                waiters.push(waiter);
                pool
                  .acquire({ priority: step.priority, timeoutMs: step.timeoutMs, signal: controller.signal })
                  .then(
                    (lease) => {
                      // Served in order: nobody of the same priority who came earlier, nobody of a higher priority, still waits.
                      const jumped = pendingWaiters().find(
                        (w) =>
                          w !== waiter &&
                          (w.priority > waiter.priority ||
                            (w.priority === waiter.priority && w.seq < waiter.seq)),
                      );
                      if (jumped) failures.push(`waiter ${waiter.seq} served before waiter ${jumped.seq}`);
                      waiter.settled = true;
                      if (pool.closed) failures.push('lease granted after close');
                      lend(lease, 'acquire');
                    },
                    (error: unknown) => {
                      waiter.settled = true;
                      if (error instanceof PoolTimeoutError) {
                        if (Date.now() - waiter.startedAt < waiter.timeoutMs)
                          failures.push('timed out early');
                      } else if (
                        !(error instanceof PoolAbortedError) &&
                        !(error instanceof PoolClosedError) &&
                        !(error instanceof PoolExhaustedError)
                      ) {
                        failures.push(`unexpected error ${String(error)}`);
                      }
                    },
                  );
                break;
              }
              case 'tryAcquire': {
                try {
                  const lease = pool.tryAcquire();
                  if (lease) {
                    if (pendingWaiters().length > 0) failures.push('tryAcquire jumped the queue');
                    lend(lease, 'tryAcquire');
                  }
                } catch (error) {
                  if (!(error instanceof PoolClosedError) || !(closed || drains > 0))
                    failures.push(`tryAcquire threw ${String(error)}`);
                }
                break;
              }
              case 'release':
              case 'releaseTwice':
              case 'destroy': {
                const live = liveLeases();
                if (live.length === 0) break;
                const target = live[step.index % live.length];
                target.live = false;
                if (step.op === 'destroy') void target.lease.destroy();
                else target.lease.release();
                if (step.op === 'releaseTwice') target.lease.release();
                break;
              }
              case 'abort': {
                const pending = pendingWaiters();
                if (pending.length > 0) pending[step.index % pending.length].controller.abort();
                break;
              }
              case 'advance':
                await jest.advanceTimersByTimeAsync(step.ms);
                break;
              case 'resize':
                if (closed) break;
                max = step.max;
                pool.resize(step.min, step.max);
                break;
              case 'reset':
                pool.reset();
                break;
              case 'maintain':
                // Not awaited here: a hanging validation it started needs fake time to move on.
                maintains++;
                void pool.maintain().then(() => maintainsSettled++);
                break;
              case 'pressure':
                pressure = step.high ? 1 : 0;
                break;
              case 'drain':
                drains++;
                void pool.drain({ deadline: step.deadline }).then(() => drainsSettled++);
                break;
              case 'close':
                closed = true;
                for (const l of leases) l.live = false; // close revokes every lease
                {
                  // close() waits for creates and destroys in flight, which fake time must move along.
                  let settled = false;
                  void pool.close().then(() => (settled = true));
                  while (!settled) await jest.advanceTimersByTimeAsync(CREATE_TIMEOUT_MS);
                }
                break;
            }
            await jest.advanceTimersByTimeAsync(0);
            if (pool.closed && !closed) {
              // A drain closed the pool: like close(), it revoked every lease.
              closed = true;
              for (const l of leases) l.live = false;
            }

            // Invariants after every step.
            const stats = pool.stats();
            // A resource whose destroy has not ended is still alive, and still counts against max.
            if (factory.alive.size !== stats.size + stats.destroying)
              failures.push(
                `size ${stats.size} + destroying ${stats.destroying} != alive ${factory.alive.size}`,
              );
            if (factory.pending !== stats.creating) {
              failures.push(`creating ${stats.creating} != pending ${factory.pending}`);
            }
            if (stats.borrowed !== liveLeases().length) {
              failures.push(`borrowed ${stats.borrowed} != live leases ${liveLeases().length}`);
            }
            if (stats.waiting !== pendingWaiters().length) {
              failures.push(`waiting ${stats.waiting} != pending waiters ${pendingWaiters().length}`);
            }
            if (stats.idle + stats.borrowed > stats.size) failures.push('idle + borrowed > size');
            if (stats.waiting > 0 && stats.idle > 0 && stats.borrowed < stats.effectiveMax) {
              failures.push('a waiter is queued while a resource is idle and there is room under the limit');
            }
            if (stats.effectiveMax > stats.max || stats.effectiveMax < 1) {
              failures.push(`effective max ${stats.effectiveMax} outside [1, ${stats.max}]`);
            }
            failures.push(...factory.violations.splice(0));
            if (failures.length > 0) break;
          }

          // The end: close, let late creates arrive, and nothing may be left.
          const closing = pool.close();
          for (const l of leases) l.live = false;
          await jest.runAllTimersAsync();
          await closing;
          if (jest.getTimerCount() !== 0) failures.push(`${jest.getTimerCount()} timers left`);
          if (pool.listenerCount() !== 0) failures.push('listeners left');
          for (const w of waiters) {
            if (getEventListeners(w.controller.signal, 'abort').length > 0)
              failures.push('abort listener left');
            if (!w.settled) failures.push(`waiter ${w.seq} never settled`);
          }
          if (drainsSettled !== drains) failures.push(`${drains - drainsSettled} drain() never settled`);
          if (maintainsSettled !== maintains)
            failures.push(`${maintains - maintainsSettled} maintain() never settled`);
          if (factory.alive.size !== 0) failures.push(`${factory.alive.size} resources never destroyed`);
          for (const r of factory.all)
            if (r.destroys !== 1) failures.push(`resource ${r.id} destroyed ${r.destroys}x`);
          failures.push(...factory.violations);
          expect(failures).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);
});
