import { Injectable, Optional } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { ACCESS_METRICS } from './access.constants.js';

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
    help: 'Time spent evaluating policies per decision',
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

/** Pushes access metrics; every metric is optional so a partial setup never breaks a request. */
@Injectable()
export class AccessMetrics {
  // Actions come from route metadata, but resource types may come from a request; cap both.
  private readonly seen = { action: new Set<string>(), resourceType: new Set<string>() };
  // `inc(labels)` validates and hashes the label object on every call; a cached child skips the
  // validation. Bounded: methods and results are fixed sets, actions and resource types are capped above.
  private readonly authnChildren = new Map<string, { inc(): void }>();
  private readonly decisionChildren = new Map<string, { inc(): void }>();

  constructor(
    @Optional()
    @InjectMetric(ACCESS_METRICS.authnAttempts)
    private readonly authn?: Counter<'method' | 'result'>,
    @Optional()
    @InjectMetric(ACCESS_METRICS.authzDecisions)
    private readonly decisions?: Counter<'action' | 'resource_type' | 'decision'>,
    @Optional() @InjectMetric(ACCESS_METRICS.authzEvaluation) private readonly evaluation?: Histogram,
    @Optional() @InjectMetric(ACCESS_METRICS.auditEvents) private readonly audit?: Counter<'sink' | 'result'>,
    @Optional() @InjectMetric(ACCESS_METRICS.lockouts) private readonly lockouts?: Counter<'scope'>,
  ) {}

  /** One authentication attempt; `method` is an authenticator method name or 'none'. */
  authnAttempt(method: string, result: 'success' | 'failure' | 'missing' | 'unavailable' | 'locked'): void {
    if (!this.authn) return;
    const key = `${method}\0${result}`;
    let child = this.authnChildren.get(key);
    if (child === undefined) {
      child = this.authn.labels({ method, result });
      this.authnChildren.set(key, child);
    }
    child.inc();
  }

  /** One decision on a guarded route. */
  decision(action: string, resourceType: string, allowed: boolean, seconds: number): void {
    if (this.decisions) {
      const key = `${action}\0${resourceType}\0${allowed}`;
      let child = this.decisionChildren.get(key);
      if (child === undefined) {
        child = this.decisions.labels({
          action: this.bounded('action', action),
          resource_type: this.bounded('resourceType', resourceType),
          decision: allowed ? 'allow' : 'deny',
        });
        // Raw values past the label caps may be endless (they come from requests): cache a bounded number.
        if (this.decisionChildren.size < MAX_LABEL_VALUES * 4) this.decisionChildren.set(key, child);
      }
      child.inc();
    }
    this.evaluation?.observe(seconds);
  }

  /** One audit outcome per sink. */
  auditEvent(sink: string, result: 'written' | 'failed' | 'dropped', count = 1): void {
    this.audit?.inc({ sink, result }, count);
  }

  /** A lockout started; `scope` is 'ip' or 'subject', never the value. */
  lockout(scope: 'ip' | 'subject'): void {
    this.lockouts?.inc({ scope });
  }

  private bounded(label: 'action' | 'resourceType', value: string): string {
    const seen = this.seen[label];
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES) return 'other';
    seen.add(value);
    return value;
  }
}
