import { InvalidOptionsError } from '@steward/common';
import { POOL_DEFAULTS, validatePoolOptions } from './pool-options.js';
import type { PoolOptions } from './interfaces/pool-options.interface.js';

describe('validatePoolOptions', () => {
  const issuesOf = (options: unknown): string[] => {
    try {
      validatePoolOptions(options as PoolOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as InvalidOptionsError).code).toBe('STEWARD_INVALID_OPTIONS');
      return (error as InvalidOptionsError).issues.map((i) => i.path).sort();
    }
    return [];
  };

  it('fills in the documented defaults', () => {
    const resolved = validatePoolOptions({});
    expect(resolved).toMatchObject({
      name: 'default',
      min: 0,
      max: 10,
      acquireTimeoutMs: 30_000,
      lifetimeJitter: 0.25,
      idleOrder: 'lifo',
      initialization: 'fail-fast',
      maintenanceIntervalMs: 0,
      adaptive: undefined,
      createRetry: POOL_DEFAULTS.createRetry,
    });
    expect(validatePoolOptions({ adaptive: true }).adaptive).toEqual({});
  });

  it('lists every bad field in one error, nested ones included', () => {
    expect(
      issuesOf({
        name: '',
        min: -1,
        max: 0,
        acquireTimeoutMs: 0,
        createTimeoutMs: 1.5,
        lifetimeJitter: 2,
        validateOnBorrow: 'yes',
        maxWaiting: -3,
        idleOrder: 'random',
        createRetry: { baseMs: 0, factor: 0.5 },
        reclaimLeaks: true,
        adaptive: { probeGain: 2, filterPhases: 1, backoffRatio: 2 },
        initialization: 'eager',
        clock: {},
      }),
    ).toEqual([
      'acquireTimeoutMs',
      'adaptive.backoffRatio',
      'adaptive.filterPhases',
      'adaptive.probeGain',
      'clock',
      'createRetry.baseMs',
      'createRetry.factor',
      'createTimeoutMs',
      'idleOrder',
      'initialization',
      'lifetimeJitter',
      'max',
      'maxWaiting',
      'min',
      'name',
      'reclaimLeaks',
      'validateOnBorrow',
    ]);
  });

  it('rejects min above max, also against the default max', () => {
    expect(issuesOf({ min: 5, max: 4 })).toEqual(['min']);
    expect(issuesOf({ min: 11 })).toEqual(['min']);
    expect(issuesOf(null)).toEqual(['(root)']);
  });

  it('does not echo values in the message', () => {
    try {
      validatePoolOptions({
        name: 'db',
        acquireTimeoutMs: 'postgres://user:hunter2@db' as unknown as number,
      });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
      return;
    }
    throw new Error('expected an error');
  });
});
