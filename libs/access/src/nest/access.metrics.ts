import { Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { ACCESS_METRICS } from './access.constants.js';
import { DeferredCounter, type CounterCell } from './deferred-counter.js';

/** On average one decision in this many is timed into `steward_authz_evaluation_seconds`. */
export const EVALUATION_SAMPLE = 16;

/** The metric providers; they register in prom-client's default registry whether or not the app exposes it. */
export const accessMetricProviders = [
  makeCounterProvider({
    name: ACCESS_METRICS.authnAttempts,
    help: 'Authentication attempts by method and result',
    labelNames: ['method', 'result'],
  }),
  makeCounterProvider({
    name: ACCESS_METRICS.authzDecisions,
    help: 'Authorization decisions on guarded routes',
    labelNames: ['action', 'resource_type', 'decision'],
  }),
  makeHistogramProvider({
    name: ACCESS_METRICS.authzEvaluation,
    help: `Time spent evaluating policies, timed on one decision in ${EVALUATION_SAMPLE}`,
    buckets: [0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01],
  }),
  makeCounterProvider({
    name: ACCESS_METRICS.auditEvents,
    help: 'Audit events by sink and result (written, failed, dropped)',
    labelNames: ['sink', 'result'],
  }),
  makeCounterProvider({
    name: ACCESS_METRICS.lockouts,
    help: 'Lockouts started after repeated authentication failures',
    labelNames: ['scope'],
  }),
];

/** Distinct values kept per label before new ones collapse into 'other'. */
export const MAX_LABEL_VALUES = 100;

type Result = 'success' | 'failure' | 'missing' | 'unavailable' | 'locked';
/** A decision's two cells, deny and allow. */
type DecisionCells = readonly [deny: CounterCell, allow: CounterCell];

/**
 * Pushes access metrics; every metric is optional so a partial setup never breaks a request. The two
 * counters a guarded request touches count in plain cells that prom-client reads when scraped.
 */
@Injectable()
export class AccessMetrics implements OnApplicationShutdown {
  // Actions come from route metadata, but resource types may come from a request; cap both.
  private readonly seen = { action: new Set<string>(), resourceType: new Set<string>() };
  private readonly authn?: DeferredCounter<'method' | 'result'>;
  private readonly decisions?: DeferredCounter<'action' | 'resource_type' | 'decision'>;
  // Bounded: methods and results are fixed sets; raw actions and resource types are capped below.
  private readonly authnCells = new Map<string, Partial<Record<Result, CounterCell>>>();
  private readonly decisionCells = new Map<string, Map<string, DecisionCells>>();
  private readonly decisionCellsByLabel = new Map<string, DecisionCells>();
  private rawDecisionKeys = 0;

  constructor(
    @Optional()
    @InjectMetric(ACCESS_METRICS.authnAttempts)
    authn?: Counter<'method' | 'result'>,
    @Optional()
    @InjectMetric(ACCESS_METRICS.authzDecisions)
    decisions?: Counter<'action' | 'resource_type' | 'decision'>,
    @Optional() @InjectMetric(ACCESS_METRICS.authzEvaluation) private readonly evaluation?: Histogram,
    @Optional() @InjectMetric(ACCESS_METRICS.auditEvents) private readonly audit?: Counter<'sink' | 'result'>,
    @Optional() @InjectMetric(ACCESS_METRICS.lockouts) private readonly lockouts?: Counter<'scope'>,
  ) {
    if (authn) this.authn = new DeferredCounter(authn);
    if (decisions) this.decisions = new DeferredCounter(decisions);
  }

  /** One authentication attempt; `method` is an authenticator method name or 'none'. */
  authnAttempt(method: string, result: Result): void {
    if (!this.authn) return;
    let byResult = this.authnCells.get(method);
    if (byResult === undefined) {
      byResult = {};
      this.authnCells.set(method, byResult);
    }
    (byResult[result] ??= this.authn.cell({ method, result })).count++;
  }

  /**
   * When to start timing a decision, or -1 when this one goes untimed: two clock reads and an
   * observation cost more than evaluating the policies, so one decision in `EVALUATION_SAMPLE` is
   * timed, picked at random so no periodic pattern of traffic decides which route is measured.
   */
  startEvaluation(): number {
    if (this.evaluation === undefined || Math.random() * EVALUATION_SAMPLE >= 1) return -1;
    return performance.now();
  }

  /** Seconds since `startEvaluation()` returned `started`; undefined for an untimed decision. */
  evaluationSeconds(started: number): number | undefined {
    return started < 0 ? undefined : (performance.now() - started) / 1000;
  }

  /** One decision on a guarded route, with the time its evaluation took when it was timed. */
  decision(action: string, resourceType: string, allowed: boolean, seconds?: number): void {
    if (this.decisions) {
      const cells =
        this.decisionCells.get(action)?.get(resourceType) ?? this.newDecisionCells(action, resourceType);
      cells[allowed ? 1 : 0].count++;
    }
    if (seconds !== undefined) this.evaluation?.observe(seconds);
  }

  /** One audit outcome per sink. */
  auditEvent(sink: string, result: 'written' | 'failed' | 'dropped', count = 1): void {
    this.audit?.inc({ sink, result }, count);
  }

  /** A lockout started; `scope` is 'ip' or 'subject', never the value. */
  lockout(scope: 'ip' | 'subject'): void {
    this.lockouts?.inc({ scope });
  }

  /** Hands the last counts to prom-client: the registry outlives the app. */
  onApplicationShutdown(): void {
    this.authn?.detach();
    this.decisions?.detach();
  }

  private newDecisionCells(action: string, resourceType: string): DecisionCells {
    const labels = {
      action: this.bounded('action', action),
      resource_type: this.bounded('resourceType', resourceType),
    };
    const labelKey = `${labels.action}\0${labels.resource_type}`;
    let cells = this.decisionCellsByLabel.get(labelKey);
    if (cells === undefined) {
      cells = [
        this.decisions!.cell({ ...labels, decision: 'deny' }),
        this.decisions!.cell({ ...labels, decision: 'allow' }),
      ];
      this.decisionCellsByLabel.set(labelKey, cells);
    }
    // Raw values past the label caps may be endless (they come from requests): remember a bounded number.
    if (this.rawDecisionKeys < MAX_LABEL_VALUES * 4) {
      let byType = this.decisionCells.get(action);
      if (byType === undefined) {
        byType = new Map();
        this.decisionCells.set(action, byType);
      }
      byType.set(resourceType, cells);
      this.rawDecisionKeys++;
    }
    return cells;
  }

  private bounded(label: 'action' | 'resourceType', value: string): string {
    const seen = this.seen[label];
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES) return 'other';
    seen.add(value);
    return value;
  }
}
