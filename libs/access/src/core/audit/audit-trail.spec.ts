import { AsyncLocalStorage } from 'node:async_hooks';
import { jest } from '@jest/globals';
import { InvalidOptionsError } from '@steward/common';
import type { AuditEvent, AuditRecord, AuditSink } from '../interfaces/audit-event.interface.js';
import type { AuditChainTail, AuditTrailEvents } from './interfaces/index.js';
import { verifyAuditChain } from './audit-chain.js';
import { AuditWriteError } from './audit.errors.js';
import { AuditTrail } from './audit-trail.js';
import { LoggerAuditSink } from './logger-audit.sink.js';

/** A sink in memory; `fail` makes writes reject, `hold` keeps them pending until released. */
class MemorySink implements AuditSink {
  readonly stored: AuditRecord[] = [];
  readonly batches: number[] = [];
  fail = false;
  hold: Promise<void> | undefined;
  closed = 0;

  constructor(
    readonly name: string,
    private readonly tails = true,
  ) {}

  async tail(): Promise<AuditChainTail | undefined> {
    const last = this.stored.at(-1);
    return this.tails && last ? { seq: last.seq, hash: last.hash } : undefined;
  }

  async write(records: readonly AuditRecord[]): Promise<void> {
    await this.hold;
    if (this.fail) throw new Error(`${this.name} is down`);
    this.batches.push(records.length);
    this.stored.push(...records);
  }

  async close(): Promise<void> {
    this.closed++;
  }
}

const event = (i: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  time: '2026-01-05T10:00:00.000Z',
  type: 'authz.decision',
  principal: `user-${i}`,
  action: 'item:read',
  decision: 'allow',
  ...extra,
});

function collect(trail: AuditTrail) {
  const seen: { [K in keyof AuditTrailEvents]: AuditTrailEvents[K][] } = {
    written: [],
    failed: [],
    dropped: [],
  };
  trail.on('written', (e) => seen.written.push(e));
  trail.on('failed', (e) => seen.failed.push(e));
  trail.on('dropped', (e) => seen.dropped.push(e));
  return seen;
}

describe('AuditTrail', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('validates its options in one error', () => {
    const sink = new MemorySink('m');
    expect(() => new AuditTrail({ sinks: [] })).toThrow(InvalidOptionsError);
    let caught: unknown;
    try {
      new AuditTrail({ sinks: [sink, sink], queueSize: 0, batchSize: 1.5, flushIntervalMs: -1 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidOptionsError);
    expect((caught as InvalidOptionsError).issues.map((i) => i.path)).toEqual([
      'sinks[1].name',
      'queueSize',
      'batchSize',
      'flushIntervalMs',
    ]);
  });

  it('drains a long queue copying each queued event a bounded number of times, not the rest of the queue per batch', async () => {
    const sink = new MemorySink('m');
    const count = 20_000;
    const trail = new AuditTrail({ sinks: [sink], queueSize: count, batchSize: 100 });
    for (let i = 0; i < count; i++) trail.record(event(i));
    // Counts the entries array copies take from long arrays (the queue), whatever method makes them.
    let copied = 0;
    const original = Array.prototype.slice;
    const spy = jest.spyOn(Array.prototype, 'slice').mockImplementation(function (
      this: unknown[],
      ...args: [number?, number?]
    ) {
      const out = original.apply(this, args);
      if (this.length >= 1_000) copied += out.length;
      return out;
    });
    try {
      await trail.flush();
    } finally {
      spy.mockRestore();
    }
    expect(sink.stored).toHaveLength(count);
    expect(copied).toBeLessThanOrEqual(3 * count);
    await trail.close();
  });

  it('bounds the size of a queued event and says when fields were left out', async () => {
    const sink = new MemorySink('m');
    const trail = new AuditTrail({ sinks: [sink], maxEventLength: 2_048 });
    const huge = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'x'.repeat(500)]));
    trail.record({ ...event(1), ...(huge as Partial<AuditEvent>) });
    trail.record(event(2));
    await trail.flush();
    const [first, second] = sink.stored.map((r) => r.event as AuditEvent & Record<string, unknown>);
    expect(JSON.stringify(first).length).toBeLessThanOrEqual(2_048 + 512);
    expect(first).toMatchObject({ principal: 'user-1', truncated: true });
    expect(second).not.toHaveProperty('truncated');
    await trail.close();
  });

  it('writes a full batch at once and a partial one after the flush interval', async () => {
    jest.useFakeTimers();
    const sink = new MemorySink('m');
    const trail = new AuditTrail({ sinks: [sink], batchSize: 3, flushIntervalMs: 1_000 });
    trail.record(event(0));
    trail.record(event(1));
    await jest.advanceTimersByTimeAsync(999);
    expect(sink.stored).toHaveLength(0);
    expect(trail.stats().queued).toBe(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(sink.batches).toEqual([2]);

    for (let i = 2; i < 5; i++) trail.record(event(i));
    await jest.advanceTimersByTimeAsync(0);
    expect(sink.batches).toEqual([2, 3]);
    expect(verifyAuditChain(sink.stored)).toMatchObject({ ok: true, count: 5 });
    await trail.close();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('drops and counts events when the queue is full', async () => {
    const sink = new MemorySink('m');
    const trail = new AuditTrail({ sinks: [sink], queueSize: 2, flushIntervalMs: 60_000 });
    const seen = collect(trail);
    for (let i = 0; i < 5; i++) trail.record(event(i));
    expect(trail.stats()).toMatchObject({ queued: 2, dropped: 3 });
    expect(seen.dropped).toEqual([
      { count: 1, total: 1 },
      { count: 1, total: 2 },
      { count: 1, total: 3 },
    ]);
    await trail.close();
    expect(sink.stored.map((r) => r.event.principal)).toEqual(['user-0', 'user-1']);
    expect(trail.stats()).toMatchObject({ queued: 0, dropped: 3, written: 2, failed: 0 });
  });

  it('admits durable events past a full queue, up to twice its size, then rejects them', async () => {
    const sink = new MemorySink('m');
    let release!: () => void;
    sink.hold = new Promise<void>((resolve) => (release = resolve));
    const trail = new AuditTrail({ sinks: [sink], queueSize: 2, batchSize: 1 });
    const first = trail.recordDurable(event(0)); // taken by the writer, which now waits on the sink
    await new Promise((resolve) => setImmediate(resolve));
    trail.record(event(1));
    trail.record(event(2));
    trail.record(event(3)); // the queue is full: dropped
    const durable = [trail.recordDurable(event(4)), trail.recordDurable(event(5))];
    await expect(trail.recordDurable(event(6))).rejects.toMatchObject({ code: 'ACCESS_AUDIT_WRITE_FAILED' });
    expect(trail.stats()).toMatchObject({ queued: 4, dropped: 1 });
    release();
    await Promise.all([first, ...durable]);
    await trail.close();
    expect(sink.stored.map((r) => r.event.principal)).toEqual([
      'user-0',
      'user-1',
      'user-2',
      'user-4',
      'user-5',
    ]);
  });

  it('resolves a durable event only once every sink stored it', async () => {
    const a = new MemorySink('a');
    const b = new MemorySink('b');
    let release!: () => void;
    b.hold = new Promise<void>((resolve) => (release = resolve));
    const trail = new AuditTrail({ sinks: [a, b] });
    let done = false;
    const durable = trail.recordDurable(event(0, { type: 'privileged', phase: 'requested' })).then(() => {
      done = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.stored).toHaveLength(1);
    expect(done).toBe(false);
    release();
    await durable;
    expect(b.stored).toHaveLength(1);
    await trail.close();
  });

  it('rejects a durable event with AuditWriteError naming the failed sink, and reports the failure', async () => {
    const good = new MemorySink('good');
    const bad = new MemorySink('bad');
    bad.fail = true;
    const trail = new AuditTrail({ sinks: [good, bad] });
    const seen = collect(trail);
    const error = await trail.recordDurable(event(0)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditWriteError);
    expect(error).toMatchObject({ code: 'ACCESS_AUDIT_WRITE_FAILED', sinks: ['bad'] });
    expect(seen.failed).toEqual([{ sink: 'bad', count: 1, error: expect.any(Error) }]);
    expect(seen.written).toEqual([{ sink: 'good', count: 1 }]);
    expect(trail.stats()).toMatchObject({
      written: 1,
      failed: 1,
      sinks: { good: { written: 1, failed: 0 }, bad: { written: 0, failed: 1 } },
    });
    await trail.close();
  });

  it('continues each sink chain from its stored tail after a failure', async () => {
    const sink = new MemorySink('m');
    const trail = new AuditTrail({ sinks: [sink] });
    await trail.recordDurable(event(0));
    sink.fail = true;
    await expect(trail.recordDurable(event(1))).rejects.toBeInstanceOf(AuditWriteError);
    sink.fail = false;
    await trail.recordDurable(event(2));
    expect(sink.stored.map((r) => r.seq)).toEqual([0, 1]);
    expect(verifyAuditChain(sink.stored)).toMatchObject({ ok: true, count: 2 });
    await trail.close();
  });

  it('treats a sink that does not answer in time as failed', async () => {
    jest.useFakeTimers();
    const sink = new MemorySink('slow');
    sink.hold = new Promise<void>(() => undefined);
    const trail = new AuditTrail({ sinks: [sink], writeTimeoutMs: 5_000 });
    const outcome = trail.recordDurable(event(0)).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(await outcome).toMatchObject({
      code: 'ACCESS_AUDIT_WRITE_FAILED',
      cause: expect.objectContaining({ message: expect.stringContaining('5000 ms') }),
    });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('sanitizes and freezes events when they are recorded, and fills in a missing time', async () => {
    const sink = new MemorySink('m');
    const trail = new AuditTrail({ sinks: [sink], now: () => Date.parse('2026-02-03T04:05:06.000Z') });
    const { time: _time, ...rest } = event(0);
    const input = { ...rest, reason: 'line1\r\nline2', password: 'hunter2' };
    trail.record(input);
    input.reason = 'changed';
    await trail.flush();
    const stored = sink.stored[0]!.event;
    expect(stored).toMatchObject({ time: '2026-02-03T04:05:06.000Z', reason: 'line1  line2' });
    expect(JSON.stringify(sink.stored)).not.toContain('hunter2');
    expect(Object.isFrozen(stored)).toBe(true);
    await trail.close();
  });

  it('closes once: flushes, closes the sinks, then drops and rejects new events', async () => {
    const sink = new MemorySink('m');
    const trail = new AuditTrail({ sinks: [sink], flushIntervalMs: 60_000 });
    trail.record(event(0));
    await Promise.all([trail.close(), trail.close()]);
    expect(sink.stored).toHaveLength(1);
    expect(sink.closed).toBe(1);
    trail.record(event(1));
    expect(trail.stats().dropped).toBe(1);
    await expect(trail.recordDurable(event(2))).rejects.toBeInstanceOf(AuditWriteError);
  });

  it('gives up on a sink whose close() never settles after writeTimeoutMs, so shutdown cannot hang', async () => {
    jest.useFakeTimers();
    const stuck = new MemorySink('stuck');
    stuck.close = () => new Promise<void>(() => undefined);
    const other = new MemorySink('other');
    const trail = new AuditTrail({ sinks: [stuck, other], writeTimeoutMs: 2_000 });
    trail.record(event(0));
    let closed = false;
    const closing = trail.close().then(() => (closed = true));
    await jest.advanceTimersByTimeAsync(1_999);
    expect(closed).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await closing;
    expect(closed).toBe(true);
    expect(other.stored).toHaveLength(1);
    expect(other.closed).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('bounds the flush on close when the sink is down: the rest is dropped and durable events rejected', async () => {
    jest.useFakeTimers();
    const sink = new MemorySink('dead');
    sink.hold = new Promise<void>(() => undefined);
    const trail = new AuditTrail({ sinks: [sink], batchSize: 1, writeTimeoutMs: 1_000 });
    const seen = collect(trail);
    for (let i = 0; i < 5; i++) trail.record(event(i));
    const durable = trail.recordDurable(event(5)).catch((e: unknown) => e);
    let closed = false;
    const closing = trail.close().then(() => (closed = true));
    // One batch in flight (1 s to time out) plus the 1 s budget; 6 batches would take 6 s unbounded.
    await jest.advanceTimersByTimeAsync(2_000);
    await closing;
    expect(closed).toBe(true);
    expect(await durable).toBeInstanceOf(AuditWriteError);
    expect(trail.stats()).toMatchObject({ queued: 0, dropped: 5, written: 0, failed: 1 });
    expect(seen.dropped).toEqual([{ count: 5, total: 5 }]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps working when a listener throws', async () => {
    const sink = new MemorySink('m');
    const trail = new AuditTrail({ sinks: [sink] });
    trail.on('written', () => {
      throw new Error('metrics broke');
    });
    await expect(trail.recordDurable(event(0))).resolves.toBeUndefined();
    await trail.close();
  });

  it('logs one canonical, chained JSON line per record through LoggerAuditSink when told to log all', async () => {
    const lines: string[] = [];
    const sink = new LoggerAuditSink({ log: (line) => lines.push(line) }, { include: () => true });
    const trail = new AuditTrail({ sinks: [sink] });
    trail.record(event(0));
    trail.record(event(1, { reason: 'x\ny' }));
    await trail.close();
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(verifyAuditChain(lines.map((l) => JSON.parse(l)))).toMatchObject({ ok: true, count: 2 });
  });

  it('writes outside the async context of the request that recorded first (a logger reads no request id there)', async () => {
    const requests = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const trail = new AuditTrail({
      sinks: [{ name: 's', write: async () => void seen.push(requests.getStore()) }],
      batchSize: 2,
    });
    requests.run('req-1', () => trail.record(event(1)));
    requests.run('req-2', () => trail.record(event(2))); // fills the batch: written at once
    await requests.run('req-3', () => trail.recordDurable(event(3)));
    await trail.close();
    expect(seen).toEqual([undefined, undefined]);
  });

  it('logs what an operator reads and no line per allowed request by default (finding 11)', async () => {
    const lines: string[] = [];
    const trail = new AuditTrail({ sinks: [new LoggerAuditSink({ log: (line) => lines.push(line) })] });
    for (let i = 0; i < 100; i++) trail.record(event(i)); // allowed reads
    trail.record(event(100, { decision: 'deny', status: 403 }));
    trail.record(
      event(101, { type: 'authn.failure', decision: undefined, reason: 'invalid-key via api-key' }),
    );
    trail.record(event(102, { type: 'privileged', phase: 'completed', action: 'pool:drain' }));
    await trail.close();
    const logged = lines.map((l) => JSON.parse(l) as { seq: number; event: AuditEvent });
    expect(logged.map((r) => [r.seq, r.event.type])).toEqual([
      [100, 'authz.decision'],
      [101, 'authn.failure'],
      [102, 'privileged'],
    ]);
  });
});
