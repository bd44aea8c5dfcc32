import { Counter, Histogram, Registry } from 'prom-client';
import { AccessMetrics, MAX_LABEL_VALUES } from './access.metrics.js';

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
    for (let i = 0; i < MAX_LABEL_VALUES + 50; i++) metrics.decision('items:read', `type-${i}`, true, 0.001);
    const values = (await decisions.get()).values;
    expect(values).toHaveLength(MAX_LABEL_VALUES + 1);
    expect(values.find((v) => v.labels.resource_type === 'other')?.value).toBe(50);
  });

  it('is a no-op without metrics', () => {
    const metrics = new AccessMetrics();
    expect(() => {
      metrics.authnAttempt('api-key', 'success');
      metrics.decision('a', 'b', false, 0);
      metrics.auditEvent('file', 'failed');
      metrics.lockout('ip');
    }).not.toThrow();
  });
});
