import { HealthIndicatorService } from '@nestjs/terminus';
import { PoolHealthIndicator, poolHealthResult, type HealthSessionLike } from './pool-health.indicator.js';
import type { PoolHost } from './pool.host.js';
import { PoolRegistry } from './pool.registry.js';

const saturated = { status: 'degraded', reason: 'waiting acquires above the threshold' } as const;

describe('PoolHealthIndicator', () => {
  it("reports a saturated pool 'degraded' with Terminus 12, without figures", async () => {
    const registry = new PoolRegistry();
    registry.register({
      name: 'db',
      health: () => ({ ...saturated, stats: { size: 3 } }),
    } as unknown as PoolHost);
    expect(await new PoolHealthIndicator(registry).check('db')).toEqual({
      'pool:db': { status: 'degraded', reason: 'waiting acquires above the threshold' },
    });
  });

  it("reports it 'up' with the reason on Terminus 11, whose sessions have no degraded()", () => {
    // Terminus 11's HealthIndicatorSession: up and down only.
    const terminus11 = (key: string): HealthSessionLike => ({
      up: (data) => ({ [key]: { status: 'up', ...data } }),
      down: (data) => ({ [key]: { status: 'down', ...data } }),
    });
    expect(poolHealthResult(terminus11('pool:db'), saturated)).toEqual({
      'pool:db': { status: 'up', degraded: true, reason: 'waiting acquires above the threshold' },
    });
    expect(poolHealthResult(new HealthIndicatorService().check('pool:db'), saturated)).toEqual({
      'pool:db': { status: 'degraded', reason: 'waiting acquires above the threshold' },
    });
  });

  it('reports an unknown pool down, saying so', async () => {
    const result = await new PoolHealthIndicator(new PoolRegistry()).check('nope');
    expect(result['pool:nope']).toEqual({ status: 'down', reason: expect.any(String) });
  });
});
