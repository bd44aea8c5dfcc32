import type { LifecycleUnit } from '../interfaces/lifecycle-unit.interface.js';
import { LifecycleStopError } from '../state/lifecycle.errors.js';
import { LifecycleManager } from './lifecycle-manager.js';

// Item 22: Steward's resources compose with `await using` and `AsyncDisposableStack`.
function managerOf(name: string, log: string[], stopError?: Error): LifecycleManager {
  const unit: LifecycleUnit = {
    name,
    start: async () => void log.push(`start:${name}`),
    stop: async () => {
      log.push(`stop:${name}`);
      if (stopError) throw stopError;
    },
  };
  return new LifecycleManager({ name }).add(unit);
}

describe('explicit resource management', () => {
  it('await using disposes in reverse order at the end of the scope', async () => {
    const log: string[] = [];
    {
      await using a = managerOf('a', log);
      await using b = managerOf('b', log);
      await a.start();
      await b.start();
      log.push('body');
    }
    expect(log).toEqual(['start:a', 'start:b', 'body', 'stop:b', 'stop:a']);
  });

  it('a throwing body and a throwing disposer give a SuppressedError chain', async () => {
    const log: string[] = [];
    const bodyError = new Error('body failed');
    const stopError = new Error('b stop failed');
    let caught: unknown;
    try {
      await using a = managerOf('a', log);
      await using b = managerOf('b', log, stopError);
      await a.start();
      await b.start();
      throw bodyError;
    } catch (error) {
      caught = error;
    }
    expect(log).toEqual(['start:a', 'start:b', 'stop:b', 'stop:a']);
    expect(caught).toBeInstanceOf(SuppressedError);
    const suppressed = caught as SuppressedError;
    expect(suppressed.suppressed).toBe(bodyError);
    expect(suppressed.error).toBeInstanceOf(LifecycleStopError);
    expect((suppressed.error as LifecycleStopError).cause).toBe(stopError);
  });

  it('AsyncDisposableStack: reverse order, nested SuppressedError, and a second dispose is a no-op', async () => {
    const log: string[] = [];
    const e1 = new Error('a stop failed');
    const e2 = new Error('c stop failed');
    const stack = new AsyncDisposableStack();
    const a = stack.use(managerOf('a', log, e1));
    const b = stack.use(managerOf('b', log));
    const c = stack.use(managerOf('c', log, e2));
    await Promise.all([a.start(), b.start(), c.start()]);
    log.length = 0;

    let caught: unknown;
    try {
      await stack.disposeAsync();
    } catch (error) {
      caught = error;
    }
    expect(log).toEqual(['stop:c', 'stop:b', 'stop:a']);
    // The last failure (a, disposed last) wraps the earlier one (c).
    expect(caught).toBeInstanceOf(SuppressedError);
    const chain = caught as SuppressedError;
    expect((chain.error as LifecycleStopError).cause).toBe(e1);
    expect((chain.suppressed as LifecycleStopError).cause).toBe(e2);
    expect(stack.disposed).toBe(true);

    await stack.disposeAsync();
    await expect(a[Symbol.asyncDispose]()).rejects.toBe(chain.error);
    expect(log).toEqual(['stop:c', 'stop:b', 'stop:a']);
  });
});
