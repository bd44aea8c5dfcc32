import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Histogram, type LabelValues, type Registry } from 'prom-client';
import { ACCESS_METRICS } from './access.constants.js';

/** Options of `AccessMetrics`. */
export interface AccessMetricsOptions {
  /** Where the metrics register (the app's `PrometheusModule` serves prom-client's default `register`). */
  readonly registry: Registry;
  /** Time one decision in this many, picked at random (default 1: every decision is timed). */
  readonly evaluationSample?: number;
}

/** Distinct values kept per label before new ones collapse into 'other'. */
export const MAX_LABEL_VALUES = 100;

type Result = 'success' | 'failure' | 'missing' | 'unavailable' | 'locked' | 'ambiguous';

/** One label set of a hot counter: the request path adds to `count`, prom-client reads it when scraped. */
interface Cell<L extends string> {
  readonly labels: LabelValues<L>;
  count: number;
}

/**
 * The access metrics. Without options (`new AccessMetrics()`) every method is a no-op. The two counters
 * every guarded request touches count in plain cells, handed to prom-client by the counters' documented
 * `collect` callback when they are read: `Counter.inc(labels)` hashes its label object on every call,
 * which cost more than the policy decision it counted.
 */
@Injectable()
export class AccessMetrics implements OnApplicationShutdown {
  private authn?: Counter<'method' | 'result'>;
  private decisions?: Counter<'action' | 'resource_type' | 'decision'>;
  private readonly evaluation?: Histogram;
  private readonly audit?: Counter<'sink' | 'result'>;
  private readonly lockouts?: Counter<'scope'>;
  private readonly sample: number;
  // Bounded: methods and results are few; actions and resource types are capped by `bounded`.
  private readonly authnCells = new Map<string, Cell<'method' | 'result'>>();
  private readonly decisionCells = new Map<string, Cell<'action' | 'resource_type' | 'decision'>>();
  private readonly seen = { action: new Set<string>(), resourceType: new Set<string>() };

  constructor(options?: AccessMetricsOptions) {
    this.sample = options?.evaluationSample ?? 1;
    const registry = options?.registry;
    if (!registry) return;
    // A second app in the process (tests, a restart in place) takes the names over.
    for (const name of Object.values(ACCESS_METRICS)) registry.removeSingleMetric(name);
    const registers = [registry];
    this.authn = new Counter({
      name: ACCESS_METRICS.authnAttempts,
      help: 'Authentication attempts by method and result',
      labelNames: ['method', 'result'],
      registers,
      collect: () => this.flush(this.authnCells, this.authn),
    });
    this.decisions = new Counter({
      name: ACCESS_METRICS.authzDecisions,
      help: 'Authorization decisions on guarded routes',
      labelNames: ['action', 'resource_type', 'decision'],
      registers,
      collect: () => this.flush(this.decisionCells, this.decisions),
    });
    this.evaluation = new Histogram({
      name: ACCESS_METRICS.authzEvaluation,
      help:
        this.sample === 1
          ? 'Time spent evaluating policies'
          : `Time spent evaluating policies, timed on one decision in ${this.sample}`,
      buckets: [0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01],
      registers,
    });
    this.audit = new Counter({
      name: ACCESS_METRICS.auditEvents,
      help: 'Audit events by sink and result (written, failed, dropped)',
      labelNames: ['sink', 'result'],
      registers,
    });
    this.lockouts = new Counter({
      name: ACCESS_METRICS.lockouts,
      help: 'Throttles started after repeated authentication failures, by scope',
      labelNames: ['scope'],
      registers,
    });
  }

  /** One authentication attempt; `method` is an authenticator method name or 'none'. */
  authnAttempt(method: string, result: Result): void {
    if (!this.authn) return;
    const key = `${method}\0${result}`;
    let cell = this.authnCells.get(key);
    if (cell === undefined) {
      cell = { labels: { method, result }, count: 0 };
      this.authnCells.set(key, cell); // bounded: methods are the configured authenticators'
    }
    cell.count++;
  }

  /** When to start timing a decision (`performance.now()`), or -1 when this one goes untimed. */
  startEvaluation(): number {
    if (this.evaluation === undefined) return -1;
    if (this.sample > 1 && Math.random() * this.sample >= 1) return -1;
    return performance.now();
  }

  /** Seconds since `startEvaluation()` returned `started`; undefined for an untimed decision. */
  evaluationSeconds(started: number): number | undefined {
    return started < 0 ? undefined : (performance.now() - started) / 1000;
  }

  /** One decision on a guarded route, with the time its evaluation took when it was timed. */
  decision(action: string, resourceType: string, allowed: boolean, seconds?: number): void {
    if (this.decisions) {
      const key = `${action}\0${resourceType}\0${allowed}`;
      let cell = this.decisionCells.get(key);
      if (cell === undefined) {
        const labels = {
          action: this.bounded('action', action),
          resource_type: this.bounded('resourceType', resourceType),
          decision: allowed ? 'allow' : 'deny',
        };
        // Raw values past the caps may be endless (they come from requests): count those directly.
        if (this.decisionCells.size >= MAX_LABEL_VALUES * 4) this.decisions.inc(labels);
        else this.decisionCells.set(key, (cell = { labels, count: 0 }));
      }
      if (cell !== undefined) cell.count++;
    }
    if (seconds !== undefined) this.evaluation?.observe(seconds);
  }

  /** One audit outcome per sink. */
  auditEvent(sink: string, result: 'written' | 'failed' | 'dropped', count = 1): void {
    this.audit?.inc({ sink, result }, count);
  }

  /** A throttle started; `scope` is 'key' (a key id from one source) or 'source', never the value. */
  lockout(scope: 'key' | 'source'): void {
    this.lockouts?.inc({ scope });
  }

  /** Hands the last counts over and stops counting: the registry outlives the app. */
  onApplicationShutdown(): void {
    this.flush(this.authnCells, this.authn);
    this.flush(this.decisionCells, this.decisions);
    this.authn = undefined;
    this.decisions = undefined;
  }

  private flush<L extends string>(cells: Map<string, Cell<L>>, counter: Counter<L> | undefined): void {
    if (!counter) return;
    for (const cell of cells.values()) {
      if (cell.count === 0) continue;
      counter.inc(cell.labels, cell.count);
      cell.count = 0;
    }
  }

  private bounded(label: 'action' | 'resourceType', value: string): string {
    const seen = this.seen[label];
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES) return 'other';
    seen.add(value);
    return value;
  }
}
