import { jest } from '@jest/globals';
import { InvalidOptionsError } from '@steward/common';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitState } from './interfaces/circuit-breaker.interface.js';
import { CircuitOpenError } from './net.errors.js';

const fail = (): Promise<never> => Promise.reject(new Error('peer down'));
const ok = (): Promise<string> => Promise.resolve('ok');

function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

async function open(breaker: CircuitBreaker, failures: number): Promise<void> {
  for (let i = 0; i < failures; i++) await expect(breaker.run(fail)).rejects.toThrow('peer down');
}

describe('CircuitBreaker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens after failureThreshold consecutive failures and refuses calls without running them', async () => {
    const breaker = new CircuitBreaker({ name: 'billing', failureThreshold: 3, coolDownMs: 1_000 });
    await open(breaker, 2);
    await expect(breaker.run(ok)).resolves.toBe('ok'); // a success resets the streak
    await open(breaker, 2);
    expect(breaker.state).toBe('closed');
    await open(breaker, 1);
    expect(breaker.state).toBe('open');

    const operation = jest.fn(ok);
    await expect(breaker.run(operation)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(breaker.run(operation)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', circuit: 'billing' });
    expect(operation).not.toHaveBeenCalled();
  });

  it('stays open for the cool-down, then turns half-open', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 1_000 });
    await open(breaker, 1);
    jest.advanceTimersByTime(999);
    expect(breaker.state).toBe('open');
    jest.advanceTimersByTime(1);
    expect(breaker.state).toBe('half-open');
  });

  it('under 100 concurrent calls after the cool-down admits exactly halfOpenMaxProbes probes', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 5_000, halfOpenMaxProbes: 3 });
    await open(breaker, 2);
    jest.advanceTimersByTime(5_000);

    const gate = deferred<string>();
    const operation = jest.fn(() => gate.promise);
    const calls = Array.from({ length: 100 }, () => breaker.run(operation));
    const settled = Promise.allSettled(calls);
    expect(operation).toHaveBeenCalledTimes(3);

    gate.resolve('ok');
    const outcomes = await settled;
    const admitted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof CircuitOpenError);
    expect(admitted).toHaveLength(3);
    expect(refused).toHaveLength(97);
    expect(breaker.state).toBe('closed');
  });

  it('re-opens on a failed probe and restarts the cool-down', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 1_000 });
    await open(breaker, 1);
    jest.advanceTimersByTime(1_000);
    await expect(breaker.run(fail)).rejects.toThrow('peer down');
    expect(breaker.state).toBe('open');
    jest.advanceTimersByTime(999);
    expect(breaker.state).toBe('open');
    jest.advanceTimersByTime(1);
    expect(breaker.state).toBe('half-open');
  });

  it('needs successThreshold successful probes to close; a cancelled probe frees its slot without counting', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 10, successThreshold: 2 });
    await open(breaker, 1);
    jest.advanceTimersByTime(10);
    const first = breaker.tryAcquire()!;
    expect(breaker.tryAcquire()).toBeUndefined(); // one probe at a time by default
    first.cancel();
    const second = breaker.tryAcquire()!;
    second.success();
    second.failure(); // a second report is ignored
    expect(breaker.state).toBe('half-open');
    breaker.tryAcquire()!.success();
    expect(breaker.state).toBe('closed');
  });

  it('ignores outcomes of calls admitted before the last transition', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 10 });
    const slow = breaker.tryAcquire()!;
    await open(breaker, 1);
    jest.advanceTimersByTime(10);
    expect(breaker.state).toBe('half-open');
    slow.success(); // from the closed era: must not close the circuit nor count as a probe
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBeDefined();
  });

  it('counts only the errors isFailure accepts', async () => {
    const breaker = new CircuitBreaker({
      failureThreshold: 1,
      isFailure: (e) => (e as Error).message !== 'not found',
    });
    await expect(breaker.run(() => Promise.reject(new Error('not found')))).rejects.toThrow('not found');
    expect(breaker.state).toBe('closed');
    await open(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('reports transitions and refusals as events, in order', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 10 });
    const seen: string[] = [];
    breaker.on('stateChange', ({ from, to }: { from: CircuitState; to: CircuitState }) =>
      seen.push(`${from}>${to}`),
    );
    breaker.on('rejected', ({ state }) => seen.push(`rejected:${state}`));
    await open(breaker, 1);
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    jest.advanceTimersByTime(10);
    await breaker.run(ok);
    expect(seen).toEqual(['closed>open', 'rejected:open', 'open>half-open', 'half-open>closed']);
  });

  it('lists every bad option at once', () => {
    const create = (): CircuitBreaker =>
      new CircuitBreaker({
        failureThreshold: 0,
        coolDownMs: -1,
        halfOpenMaxProbes: 1.5,
        successThreshold: 0,
      });
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(
      expect.objectContaining({
        issues: [
          expect.objectContaining({ path: 'failureThreshold' }),
          expect.objectContaining({ path: 'coolDownMs' }),
          expect.objectContaining({ path: 'halfOpenMaxProbes' }),
          expect.objectContaining({ path: 'successThreshold' }),
        ],
      }),
    );
  });
});
