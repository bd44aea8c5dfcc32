import { Injectable, Optional, type Provider } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { LIFECYCLE_METRICS } from './lifecycle.constants.js';

/** The metric providers; registered only with `LifecycleModule.forRoot({ …, metrics: true })`. */
export function lifecycleMetricProviders(): Provider[] {
  return [
    makeCounterProvider({
      name: LIFECYCLE_METRICS.processRestarts,
      help: 'Restarts of managed processes.',
      labelNames: ['process'],
    }),
    makeGaugeProvider({
      name: LIFECYCLE_METRICS.unitState,
      help: 'Lifecycle state of each unit: 1 for its current state, 0 for the others.',
      labelNames: ['unit', 'state'],
    }),
    makeGaugeProvider({
      name: LIFECYCLE_METRICS.serverConnections,
      help: 'Open connections of managed servers.',
      labelNames: ['server'],
    }),
    makeHistogramProvider({
      name: LIFECYCLE_METRICS.shutdownSeconds,
      help: 'Duration of the shutdown, from the signal to the last unit stopped.',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 15, 20, 25, 30, 60],
    }),
  ];
}

/** Pushes lifecycle values to Prometheus; every method is a no-op when metrics are off. */
@Injectable()
export class LifecycleMetrics {
  constructor(
    @Optional() @InjectMetric(LIFECYCLE_METRICS.processRestarts) private readonly restarts?: Counter<string>,
    @Optional() @InjectMetric(LIFECYCLE_METRICS.unitState) private readonly unitState?: Gauge<string>,
    @Optional()
    @InjectMetric(LIFECYCLE_METRICS.serverConnections)
    private readonly connections?: Gauge<string>,
    @Optional()
    @InjectMetric(LIFECYCLE_METRICS.shutdownSeconds)
    private readonly shutdown?: Histogram<string>,
  ) {}

  /** A unit moved from `from` to `to`. */
  unitTransition(unit: string, from: string, to: string): void {
    this.unitState?.set({ unit, state: from }, 0);
    this.unitState?.set({ unit, state: to }, 1);
  }

  /** A managed process was restarted. */
  processRestarted(process: string): void {
    this.restarts?.inc({ process });
  }

  /** A managed server's open connection count changed. */
  serverConnections(server: string, connections: number): void {
    this.connections?.set({ server }, connections);
  }

  /** The shutdown took `seconds`. */
  shutdownFinished(seconds: number): void {
    this.shutdown?.observe(seconds);
  }
}
