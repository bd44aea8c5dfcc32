import { Counter, Registry } from 'prom-client';
import { DeferredCounter } from './deferred-counter.js';

const counterIn = (registry: Registry, collect?: () => void) =>
  new Counter({
    name: 'c',
    help: 'c',
    labelNames: ['kind'],
    registers: [registry],
    ...(collect && { collect }),
  });

const valueOf = async (counter: Counter<'kind'>, kind: string) =>
  (await counter.get()).values.find((v) => v.labels.kind === kind)?.value;

describe('DeferredCounter', () => {
  it('hands the counts of its cells to the counter when the counter is read, once', async () => {
    const counter = counterIn(new Registry());
    const deferred = new DeferredCounter(counter);
    const a = deferred.cell({ kind: 'a' });
    const b = deferred.cell({ kind: 'b' });
    a.count += 3;
    b.count++;
    expect(await valueOf(counter, 'a')).toBe(3);
    expect(await valueOf(counter, 'b')).toBe(1);
    expect(await valueOf(counter, 'a')).toBe(3); // a second read adds nothing
    a.count++;
    expect(await valueOf(counter, 'a')).toBe(4);
  });

  it('shows the counts in a scrape of the registry', async () => {
    const registry = new Registry();
    const cell = new DeferredCounter(counterIn(registry)).cell({ kind: 'a' });
    cell.count += 2;
    expect(await registry.metrics()).toContain('c{kind="a"} 2');
    expect(await registry.metrics()).toContain('c{kind="a"} 2');
  });

  it('drops counts not yet handed over when the registry resets, like the series it resets', async () => {
    const registry = new Registry();
    const counter = counterIn(registry);
    const cell = new DeferredCounter(counter).cell({ kind: 'a' });
    cell.count += 5;
    registry.resetMetrics();
    expect(await valueOf(counter, 'a')).toBeUndefined();
    cell.count++;
    expect(await valueOf(counter, 'a')).toBe(1);
  });

  it('flushes every instance on the same counter', async () => {
    const counter = counterIn(new Registry());
    const first = new DeferredCounter(counter).cell({ kind: 'a' });
    const second = new DeferredCounter(counter).cell({ kind: 'a' });
    first.count += 2;
    second.count += 5;
    expect(await valueOf(counter, 'a')).toBe(7);
  });

  it("still runs the counter's own collect function", async () => {
    let collected = 0;
    const counter = counterIn(new Registry(), () => {
      collected++;
    });
    new DeferredCounter(counter).cell({ kind: 'a' }).count++;
    expect(await valueOf(counter, 'a')).toBe(1);
    expect(collected).toBe(1);
  });

  it('hands pending counts over on detach, and its cells no longer reach the counter afterwards', async () => {
    const counter = counterIn(new Registry());
    const detached = new DeferredCounter(counter);
    const stays = new DeferredCounter(counter).cell({ kind: 'b' });
    const cell = detached.cell({ kind: 'a' });
    cell.count += 2;
    detached.detach();
    cell.count += 10;
    stays.count++;
    expect(await valueOf(counter, 'a')).toBe(2);
    expect(await valueOf(counter, 'b')).toBe(1);
  });
});
