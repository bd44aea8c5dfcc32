import { HealthIndicatorService } from '@nestjs/terminus';
import { PoolHealthIndicator } from './pool-health.indicator.js';
import type { PoolHost } from './pool.host.js';
import { PoolRegistry } from './pool.registry.js';

/** A registry holding one pool whose host reports `health`. */
function registryWith(health: ReturnType<PoolHost['health']>): PoolRegistry {
  const registry = new PoolRegistry();
  registry.register({ name: 'db', health: () => health } as unknown as PoolHost);
  return registry;
}

const saturated = {
  status: 'degraded',
  reason: 'waiting acquires above the threshold',
  stats: {},
} as unknown as ReturnType<PoolHost['health']>;

describe('PoolHealthIndicator', () => {
  it("reports a saturated pool 'degraded' on Terminus 12", async () => {
    const indicator = new PoolHealthIndicator(new HealthIndicatorService(), registryWith(saturated));
    expect(await indicator.check('db')).toEqual({
      'pool:db': { status: 'degraded', reason: 'waiting acquires above the threshold' },
    });
  });

  it("reports it 'up' with the reason on Terminus 11, whose sessions have no degraded()", async () => {
    // Terminus 11's HealthIndicatorSession: up and down only.
    const terminus11 = {
      check: (key: string) => ({
        up: (data: object) => ({ [key]: { status: 'up', ...data } }),
        down: (data: object) => ({ [key]: { status: 'down', ...data } }),
      }),
    } as unknown as HealthIndicatorService;
    const indicator = new PoolHealthIndicator(terminus11, registryWith(saturated));
    expect(await indicator.check('db')).toEqual({
      'pool:db': { status: 'up', degraded: true, reason: 'waiting acquires above the threshold' },
    });
  });

  it('reports an unknown pool down without figures', async () => {
    const indicator = new PoolHealthIndicator(new HealthIndicatorService(), new PoolRegistry());
    const result = await indicator.check('nope');
    expect(result['pool:nope']).toMatchObject({ status: 'down' });
    expect(Object.keys(result['pool:nope']!).sort()).toEqual(['reason', 'status']);
  });
});
