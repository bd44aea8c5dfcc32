import { InvalidOptionsError } from '@steward/common';
import type { ResourceFactory } from '../core/interfaces/resource-factory.interface.js';
import { validatePoolOptions } from '../core/pool-options.js';
import type { PoolModuleOptions } from './interfaces/pool-module-options.interface.js';
import { validatePoolModuleOptions } from './pool-module-options.schema.js';

const factory: ResourceFactory<object> = {
  create: () => Promise.resolve({}),
  destroy: () => Promise.resolve(),
};

/** Paths of the issues a registration reports, or [] when it passes. */
function issuesOf(options: Partial<PoolModuleOptions<object>>): string[] {
  try {
    validatePoolModuleOptions('db', { factory, ...options } as PoolModuleOptions<object>);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toContain('pool "db"');
    return [...new Set((error as InvalidOptionsError).issues.map((i) => i.path))].sort();
  }
}

/** Same for the engine alone. */
function engineIssuesOf(options: object): string[] {
  try {
    validatePoolOptions(options);
    return [];
  } catch (error) {
    return [...new Set((error as InvalidOptionsError).issues.map((i) => i.path))].sort();
  }
}

describe('validatePoolModuleOptions', () => {
  it('checks engine options with the engine checker, so registration and the engine agree on every one', () => {
    const cases: object[] = [
      { idleTimeoutMs: 2 ** 31 },
      { keepaliveIntervalMs: 2 ** 31 },
      { adaptive: { probeGain: 5 } },
      { adaptive: 'yes' },
      { createRetry: { baseMs: 0 } },
      { maxWaiting: -1 },
      { maxWaiting: Number.POSITIVE_INFINITY },
      { min: 3, max: 2 },
      { clock: {} },
      { validateSkipWindowMs: 1.5 },
      { reclaimLeaks: true },
    ];
    for (const options of cases) expect(issuesOf(options)).toEqual(engineIssuesOf(options));
    // Engine-only options that the old Nest list did not know are now refused at registration.
    expect(issuesOf({ adaptive: { probeGain: 5 }, createRetry: { baseMs: 0 } })).toEqual([
      'adaptive.probeGain',
      'createRetry.baseMs',
    ]);
  });

  it('checks the Nest-only options itself, and lists engine and Nest issues in one error', () => {
    expect(
      issuesOf({
        warmUp: 'yes' as unknown as boolean,
        drainTimeoutMs: -1,
        degradedWaiting: 1.5,
        optional: 1 as unknown as boolean,
        max: 0,
      }),
    ).toEqual(['degradedWaiting', 'drainTimeoutMs', 'max', 'optional', 'warmUp']);
    expect(issuesOf({ warmUp: true, drainTimeoutMs: 0, degradedWaiting: 3, optional: false })).toEqual([]);
  });

  it('refuses a missing factory and a non-object, echoing no value', () => {
    const secret = 'postgres://u:hunter2@db';
    try {
      validatePoolModuleOptions('db', {
        factory: { create: secret },
        acquireTimeoutMs: secret,
      } as unknown as PoolModuleOptions<object>);
      throw new Error('expected an error');
    } catch (error) {
      expect((error as InvalidOptionsError).issues.map((i) => i.path).sort()).toEqual([
        'acquireTimeoutMs',
        'factory',
      ]);
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect(() => validatePoolModuleOptions('db', null as unknown as PoolModuleOptions<object>)).toThrow(
      InvalidOptionsError,
    );
  });
});
