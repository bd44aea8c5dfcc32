import { jest } from '@jest/globals';
import { Counter, Histogram, Registry } from 'prom-client';
import { AccessMetrics, EVALUATION_SAMPLE, MAX_LABEL_VALUES } from './access.metrics.js';

describe('AccessMetrics', () => {
  it('collapses label values past the cap into "other" so a request cannot grow the series', async () => {
    const registry = new Registry();
    const decisions = new Counter({
      name: 'd',
      help: 'd',
      labelNames: ['action', 'resource_type', 'decision'],
      registers: [registry],
    });
    const metrics = new AccessMetrics(
      undefined,
      decisions,
      new Histogram({ name: 'h', help: 'h', registers: [registry] }),
    );
    for (let i = 0; i < MAX_LABEL_VALUES + 50; i++) metrics.decision('items:read', `type-${i}`, true);
    const values = (await decisions.get()).values;
    expect(values).toHaveLength(MAX_LABEL_VALUES + 1);
    expect(values.find((v) => v.labels.resource_type === 'other')?.value).toBe(50);
  });

  it('counts every attempt and decision on the same labels, also after the registry is reset', async () => {
    const registry = new Registry();
    const authn = new Counter({
      name: 'a',
      help: 'a',
      labelNames: ['method', 'result'],
      registers: [registry],
    });
    const decisions = new Counter({
      name: 'd',
      help: 'd',
      labelNames: ['action', 'resource_type', 'decision'],
      registers: [registry],
    });
    const metrics = new AccessMetrics(authn, decisions);
    const value = async (counter: Counter, labels: Record<string, string>) =>
      (await counter.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
        ?.value;
    for (let i = 0; i < 3; i++) {
      metrics.authnAttempt('api-key', 'success');
      metrics.decision('items:read', 'item', i > 0);
    }
    metrics.authnAttempt('api-key', 'failure');
    expect(await value(authn, { method: 'api-key', result: 'success' })).toBe(3);
    expect(await value(authn, { method: 'api-key', result: 'failure' })).toBe(1);
    expect(await value(decisions, { action: 'items:read', decision: 'allow' })).toBe(2);
    expect(await value(decisions, { action: 'items:read', decision: 'deny' })).toBe(1);
    registry.resetMetrics();
    metrics.authnAttempt('api-key', 'success');
    expect(await value(authn, { method: 'api-key', result: 'success' })).toBe(1);
  });

  const decisionCounter = (registry: Registry) =>
    new Counter({
      name: 'd',
      help: 'd',
      labelNames: ['action', 'resource_type', 'decision'],
      registers: [registry],
    });
  const countOf = async (histogram: Histogram) =>
    (await histogram.get()).values.find((v) => v.metricName === 'h_count')?.value;

  it('times no decision without a histogram', () => {
    const metrics = new AccessMetrics(undefined, decisionCounter(new Registry()));
    for (let i = 0; i < EVALUATION_SAMPLE + 1; i++) expect(metrics.startEvaluation()).toBe(-1);
  });

  it('times a random one decision in EVALUATION_SAMPLE, while counting every decision', async () => {
    const registry = new Registry();
    const decisions = decisionCounter(registry);
    const histogram = new Histogram({ name: 'h', help: 'h', registers: [registry] });
    const metrics = new AccessMetrics(undefined, decisions, histogram);
    // Draws below 1 / EVALUATION_SAMPLE pick a decision: here the 1st, the 17th and the 33rd.
    let draw = 0;
    const random = jest
      .spyOn(Math, 'random')
      .mockImplementation(() => (draw++ % EVALUATION_SAMPLE === 0 ? 0.5 / EVALUATION_SAMPLE : 0.5));
    const started: number[] = [];
    try {
      for (let i = 0; i < 2 * EVALUATION_SAMPLE + 1; i++) {
        started.push(metrics.startEvaluation());
        metrics.decision('items:read', 'item', i % 2 === 0, metrics.evaluationSeconds(started[i]!));
      }
    } finally {
      random.mockRestore();
    }
    expect(started.flatMap((s, i) => (s >= 0 ? [i] : []))).toEqual([
      0,
      EVALUATION_SAMPLE,
      2 * EVALUATION_SAMPLE,
    ]);
    expect(await countOf(histogram)).toBe(3);
    const values = (await decisions.get()).values;
    expect(values.find((v) => v.labels.decision === 'allow')?.value).toBe(EVALUATION_SAMPLE + 1);
    expect(values.find((v) => v.labels.decision === 'deny')?.value).toBe(EVALUATION_SAMPLE);
  });

  it('hands its counts to the counters on shutdown and stops counting into them', async () => {
    const registry = new Registry();
    const authn = new Counter({
      name: 'a',
      help: 'a',
      labelNames: ['method', 'result'],
      registers: [registry],
    });
    const decisions = decisionCounter(registry);
    const metrics = new AccessMetrics(authn, decisions);
    metrics.authnAttempt('api-key', 'success');
    metrics.decision('items:read', 'item', true);
    metrics.decision('items:read', 'item', true);
    metrics.onApplicationShutdown();
    metrics.authnAttempt('api-key', 'success'); // after shutdown: no longer reaches the registry
    expect((await authn.get()).values.map((v) => v.value)).toEqual([1]);
    expect((await decisions.get()).values.map((v) => [v.labels.decision, v.value])).toEqual([['allow', 2]]);
  });

  it('is a no-op without metrics', () => {
    const metrics = new AccessMetrics();
    expect(() => {
      metrics.authnAttempt('api-key', 'success');
      metrics.decision('a', 'b', false);
      metrics.auditEvent('file', 'failed');
      metrics.lockout('ip');
    }).not.toThrow();
  });
});
