import { jest } from '@jest/globals';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import type { Pool } from '../core/pool.js';
import { PoolModule } from './pool.module.js';
import { getPoolToken } from './pool.tokens.js';

describe('PoolModule leak reporting', () => {
  let app: INestApplicationContext | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it("logs a lease held past leakDetectionMs once, with the borrower's stack", async () => {
    jest.useFakeTimers();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [
        PoolModule.forRoot({
          name: 'db',
          factory: { create: async () => ({}), destroy: async () => undefined },
          max: 1,
          leakDetectionMs: 1_000,
          maintenanceIntervalMs: 250,
        }),
      ],
    }).compile();
    app = await moduleRef.init();
    const pool = app.get<Pool<object>>(getPoolToken('db'));

    const lease = await (async function borrowAndForget() {
      return pool.acquire();
    })();
    await jest.advanceTimersByTimeAsync(500);
    expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('leakDetectionMs exceeded'));

    await jest.advanceTimersByTimeAsync(2_000);
    const leakLines = warn.mock.calls
      .map(([line]) => String(line))
      .filter((line) => line.includes('leakDetectionMs'));
    expect(leakLines).toHaveLength(1);
    expect(leakLines[0]).toMatch(/^Pool "db": a lease has been held for \d+ ms/);
    expect(leakLines[0]).toContain('borrowAndForget');
    expect(pool.stats().leaksTotal).toBe(1);
    lease.release();
  });
});
