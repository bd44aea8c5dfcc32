import { jest } from '@jest/globals';
import { Registry, type Counter, type Histogram } from 'prom-client';
import { ACCESS_METRICS } from './access.constants.js';
import { AccessMetrics, MAX_LABEL_VALUES } from './access.metrics.js';

const valueOf = async (registry: Registry, name: string, labels: Record<string, string>) =>
  (await (registry.getSingleMetric(name) as Counter).get()).values.find((v) =>
    Object.entries(labels).every(([k, x]) => v.labels[k] === x),
  )?.value;
const histogramCount = async (registry: Registry) =>
  (await (registry.getSingleMetric(ACCESS_METRICS.authzEvaluation) as Histogram).get()).values.find((v) =>
    v.metricName?.endsWith('_count'),
  )?.value;

describe('AccessMetrics', () => {
  it('registers its five metrics in the registry it is given, replacing an earlier app’s', async () => {
    const registry = new Registry();
    new AccessMetrics({ registry });
    const metrics = new AccessMetrics({ registry });
    expect(
      registry
        .getMetricsAsArray()
        .map((m) => m.name)
        .sort(),
    ).toEqual(Object.values(ACCESS_METRICS).sort());
    metrics.authnAttempt('api-key', 'success');
    expect(await valueOf(registry, ACCESS_METRICS.authnAttempts, { result: 'success' })).toBe(1);
  });

  it('collapses label values past the cap into "other" so a request cannot grow the series', async () => {
    const registry = new Registry();
    const metrics = new AccessMetrics({ registry });
    for (let i = 0; i < MAX_LABEL_VALUES + 50; i++) metrics.decision('items:read', `type-${i}`, true);
    const values = (await (registry.getSingleMetric(ACCESS_METRICS.authzDecisions) as Counter).get()).values;
    expect(values).toHaveLength(MAX_LABEL_VALUES + 1);
    expect(values.find((v) => v.labels.resource_type === 'other')?.value).toBe(50);
  });

  it('counts every attempt and decision on the same labels, also after the registry is reset', async () => {
    const registry = new Registry();
    const metrics = new AccessMetrics({ registry });
    for (let i = 0; i < 3; i++) {
      metrics.authnAttempt('api-key', 'success');
      metrics.decision('items:read', 'item', i > 0);
    }
    metrics.authnAttempt('api-key', 'failure');
    const authn = ACCESS_METRICS.authnAttempts;
    const decisions = ACCESS_METRICS.authzDecisions;
    expect(await valueOf(registry, authn, { method: 'api-key', result: 'success' })).toBe(3);
    expect(await valueOf(registry, authn, { method: 'api-key', result: 'failure' })).toBe(1);
    expect(await valueOf(registry, decisions, { action: 'items:read', decision: 'allow' })).toBe(2);
    expect(await valueOf(registry, decisions, { action: 'items:read', decision: 'deny' })).toBe(1);
    // Read twice: the counts were handed over once, not added again.
    expect(await valueOf(registry, authn, { method: 'api-key', result: 'success' })).toBe(3);
    registry.resetMetrics();
    metrics.authnAttempt('api-key', 'success');
    expect(await valueOf(registry, authn, { method: 'api-key', result: 'success' })).toBe(1);
  });

  it('times every decision by default', async () => {
    const registry = new Registry();
    const metrics = new AccessMetrics({ registry });
    for (let i = 0; i < 5; i++) {
      const started = metrics.startEvaluation();
      expect(started).toBeGreaterThanOrEqual(0);
      metrics.decision('items:read', 'item', true, metrics.evaluationSeconds(started));
    }
    expect(await histogramCount(registry)).toBe(5);
  });

  it('times a random one decision in evaluationSample when asked to, while counting every decision', async () => {
    const registry = new Registry();
    const sample = 16;
    const metrics = new AccessMetrics({ registry, evaluationSample: sample });
    // Draws below 1 / sample pick a decision: here the 1st, the 17th and the 33rd.
    let draw = 0;
    const random = jest
      .spyOn(Math, 'random')
      .mockImplementation(() => (draw++ % sample === 0 ? 0.5 / sample : 0.5));
    const started: number[] = [];
    try {
      for (let i = 0; i < 2 * sample + 1; i++) {
        started.push(metrics.startEvaluation());
        metrics.decision('items:read', 'item', i % 2 === 0, metrics.evaluationSeconds(started[i]!));
      }
    } finally {
      random.mockRestore();
    }
    expect(started.flatMap((s, i) => (s >= 0 ? [i] : []))).toEqual([0, sample, 2 * sample]);
    expect(await histogramCount(registry)).toBe(3);
    const decisions = ACCESS_METRICS.authzDecisions;
    expect(await valueOf(registry, decisions, { decision: 'allow' })).toBe(sample + 1);
    expect(await valueOf(registry, decisions, { decision: 'deny' })).toBe(sample);
  });

  it('hands its counts over on shutdown and stops counting', async () => {
    const registry = new Registry();
    const metrics = new AccessMetrics({ registry });
    metrics.authnAttempt('api-key', 'success');
    metrics.decision('items:read', 'item', true);
    metrics.decision('items:read', 'item', true);
    metrics.onApplicationShutdown();
    metrics.authnAttempt('api-key', 'success');
    expect(await valueOf(registry, ACCESS_METRICS.authnAttempts, { result: 'success' })).toBe(1);
    expect(await valueOf(registry, ACCESS_METRICS.authzDecisions, { decision: 'allow' })).toBe(2);
  });

  it('is a no-op without a registry', () => {
    const metrics = new AccessMetrics();
    expect(metrics.startEvaluation()).toBe(-1);
    expect(() => {
      metrics.authnAttempt('api-key', 'success');
      metrics.decision('a', 'b', false);
      metrics.auditEvent('file', 'failed');
      metrics.lockout('source');
    }).not.toThrow();
  });
});
