import { Injectable, type Provider } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { PoolStats } from '../core/interfaces/pool-stats.interface.js';
import type { Pool } from '../core/pool.js';
import { POOL_METRICS } from './pool.constants.js';

const SECONDS_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The prom-client providers of the pool metrics; `getOrCreate` semantics let two apps share one registry. */
export const poolMetricProviders: Provider[] = [
  makeGaugeProvider({
    name: POOL_METRICS.resources,
    help: 'Resources of a pool by state (idle, borrowed, creating, destroying).',
    labelNames: ['pool', 'state'],
  }),
  makeGaugeProvider({
    name: POOL_METRICS.waiting,
    help: 'Acquires waiting for a resource.',
    labelNames: ['pool'],
  }),
  makeHistogramProvider({
    name: POOL_METRICS.acquireSeconds,
    help: 'Time an acquire waited for a resource, in seconds.',
    labelNames: ['pool'],
    buckets: SECONDS_BUCKETS,
  }),
  makeHistogramProvider({
    name: POOL_METRICS.leaseSeconds,
    help: 'Time a resource was borrowed, in seconds.',
    labelNames: ['pool'],
    buckets: SECONDS_BUCKETS,
  }),
  makeCounterProvider({
    name: POOL_METRICS.timeouts,
    help: 'Acquires that timed out.',
    labelNames: ['pool'],
  }),
  makeCounterProvider({
    name: POOL_METRICS.createErrors,
    help: 'Failed resource creates.',
    labelNames: ['pool'],
  }),
  makeCounterProvider({
    name: POOL_METRICS.destroyed,
    help: 'Destroyed resources by reason.',
    labelNames: ['pool', 'reason'],
  }),
  makeCounterProvider({
    name: POOL_METRICS.leaks,
    help: 'Leases held longer than leakDetectionMs.',
    labelNames: ['pool'],
  }),
  makeGaugeProvider({
    name: POOL_METRICS.budgetSlots,
    help: 'Connection budget slots of a pool: held (granted to this replica), used, limit (its share now).',
    labelNames: ['pool', 'state'],
  }),
  makeCounterProvider({
    name: POOL_METRICS.budgetGranted,
    help: 'Connection budget slots granted to this replica.',
    labelNames: ['pool'],
  }),
  makeCounterProvider({
    name: POOL_METRICS.budgetRefused,
    help: 'Requests for connection budget slots that got none.',
    labelNames: ['pool'],
  }),
  makeCounterProvider({
    name: POOL_METRICS.budgetRenewErrors,
    help: 'Connection budget synchronisations with Redis that failed (the replica kept its slots).',
    labelNames: ['pool'],
  }),
];

/** Pushes a pool's state into the Prometheus metrics on its events: no `collect` closure over DI instances. */
@Injectable()
export class PoolMetrics {
  constructor(
    @InjectMetric(POOL_METRICS.resources) private readonly resources: Gauge<string>,
    @InjectMetric(POOL_METRICS.waiting) private readonly waiting: Gauge<string>,
    @InjectMetric(POOL_METRICS.acquireSeconds) private readonly acquireSeconds: Histogram<string>,
    @InjectMetric(POOL_METRICS.leaseSeconds) private readonly leaseSeconds: Histogram<string>,
    @InjectMetric(POOL_METRICS.timeouts) private readonly timeouts: Counter<string>,
    @InjectMetric(POOL_METRICS.createErrors) private readonly createErrors: Counter<string>,
    @InjectMetric(POOL_METRICS.destroyed) private readonly destroyed: Counter<string>,
    @InjectMetric(POOL_METRICS.leaks) private readonly leaks: Counter<string>,
    @InjectMetric(POOL_METRICS.budgetSlots) private readonly budgetSlots: Gauge<string>,
    @InjectMetric(POOL_METRICS.budgetGranted) private readonly budgetGranted: Counter<string>,
    @InjectMetric(POOL_METRICS.budgetRefused) private readonly budgetRefused: Counter<string>,
    @InjectMetric(POOL_METRICS.budgetRenewErrors) private readonly budgetRenewErrors: Counter<string>,
  ) {}

  /** Subscribes to `pool`'s events and returns the function that refreshes the gauges (also called by maintenance). */
  attach(pool: Pool<unknown>): () => void {
    const labels = { pool: pool.name };
    // Children are bound once: a push per event is then a plain set/inc without a label lookup.
    const idle = this.resources.labels({ ...labels, state: 'idle' });
    const borrowed = this.resources.labels({ ...labels, state: 'borrowed' });
    const creating = this.resources.labels({ ...labels, state: 'creating' });
    // Destroys in flight still count against max (and hold a database connection) until they settle.
    const destroying = this.resources.labels({ ...labels, state: 'destroying' });
    const waiting = this.waiting.labels(labels);
    const acquireSeconds = this.acquireSeconds.labels(labels);
    const leaseSeconds = this.leaseSeconds.labels(labels);
    const timeouts = this.timeouts.labels(labels);
    const createErrors = this.createErrors.labels(labels);
    const leaks = this.leaks.labels(labels);
    // Counters start at 0 so the series exist before the first event.
    timeouts.inc(0);
    createErrors.inc(0);
    leaks.inc(0);

    const refreshBudget = this.attachBudget(pool);
    const refresh = (): void => {
      const stats = pool.stats();
      refreshBudget?.(stats);
      idle.set(stats.idle);
      borrowed.set(stats.borrowed);
      creating.set(stats.creating);
      destroying.set(stats.destroying);
      waiting.set(stats.waiting);
    };
    // Events fire mid-transition (a released resource is not idle yet): read the sizes once the pool's
    // synchronous work is done, and once per burst of events rather than once per event.
    let scheduled = false;
    const flush = (): void => {
      scheduled = false;
      refresh();
    };
    const later = (): void => {
      if (scheduled) return;
      scheduled = true;
      queueMicrotask(flush);
    };
    pool.on('acquire', ({ waitMs }) => {
      acquireSeconds.observe(waitMs / 1000);
      later();
    });
    pool.on('release', ({ leaseMs }) => {
      leaseSeconds.observe(leaseMs / 1000);
      later();
    });
    pool.on('create', later);
    pool.on('destroy', ({ reason }) => {
      this.destroyed.inc({ ...labels, reason });
      later();
    });
    pool.on('timeout', () => {
      timeouts.inc();
      later();
    });
    pool.on('createError', () => {
      createErrors.inc();
      later();
    });
    pool.on('leak', () => leaks.inc());
    pool.on('resize', later);
    refresh();
    return refresh;
  }

  /** The budget's series, for a pool that has one; its counters move by what changed since the last refresh. */
  private attachBudget(pool: Pool<unknown>): ((stats: PoolStats) => void) | undefined {
    if (pool.stats().budget === undefined) return undefined;
    const labels = { pool: pool.name };
    const held = this.budgetSlots.labels({ ...labels, state: 'held' });
    const used = this.budgetSlots.labels({ ...labels, state: 'used' });
    const limit = this.budgetSlots.labels({ ...labels, state: 'limit' });
    const counters = [
      [this.budgetGranted.labels(labels), 'grantedTotal'],
      [this.budgetRefused.labels(labels), 'refusedTotal'],
      [this.budgetRenewErrors.labels(labels), 'renewErrorsTotal'],
    ] as const;
    const last = { grantedTotal: 0, refusedTotal: 0, renewErrorsTotal: 0 };
    for (const [counter] of counters) counter.inc(0);
    return (stats) => {
      const budget = stats.budget;
      if (budget === undefined) return;
      held.set(budget.held);
      used.set(budget.used);
      limit.set(budget.limit);
      for (const [counter, field] of counters) {
        if (budget[field] > last[field]) counter.inc(budget[field] - last[field]);
        last[field] = budget[field];
      }
    };
  }
}
