import { jest } from '@jest/globals';
import { InvalidOptionsError } from '@steward/common';
import { getEventListeners } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { CircuitBreaker } from './circuit-breaker.js';
import { ManagedLink } from './managed-link.js';
import {
  CircuitOpenError,
  ConnectTimeoutError,
  LinkClosedError,
  LinkConnectError,
  LinkOperationTimeoutError,
} from './net.errors.js';
import { allocatePort } from './port-lease.js';
import { tcpConnect } from './tcp-connect.js';
import { StalledListener } from './testing/stalled-listener.js';

interface FakeConnection {
  id: number;
  closed: boolean;
}

function fakeLink(options: Partial<ConstructorParameters<typeof ManagedLink<FakeConnection>>[0]> = {}) {
  let next = 0;
  const opened: FakeConnection[] = [];
  const link = new ManagedLink<FakeConnection>({
    name: 'fake',
    connect: async () => {
      const connection = { id: ++next, closed: false };
      opened.push(connection);
      return connection;
    },
    close: (connection) => {
      connection.closed = true;
    },
    ...options,
  });
  return { link, opened };
}

function recordEvents(link: ManagedLink<unknown>): string[] {
  const seen: string[] = [];
  for (const event of [
    'connecting',
    'connected',
    'connectFailed',
    'disconnected',
    'reconnecting',
    'failed',
    'closed',
  ] as const) {
    link.on(event, () => seen.push(event));
  }
  return seen;
}

describe('ManagedLink: connect timeout and retry (fake timers)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts a connect attempt at connectTimeoutMs with ConnectTimeoutError', async () => {
    const signals: AbortSignal[] = [];
    const link = new ManagedLink<never>({
      name: 'slow',
      connectTimeoutMs: 1_000,
      retry: { maxAttempts: 1 },
      connect: (signal) => {
        signals.push(signal);
        return new Promise<never>(() => {});
      },
    });
    const started = link.start();
    started.catch(() => {});
    await jest.advanceTimersByTimeAsync(999);
    expect(signals[0]!.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(ConnectTimeoutError);
    await expect(started).rejects.toBeInstanceOf(LinkConnectError);
    await expect(started).rejects.toMatchObject({
      code: 'LINK_CONNECT_FAILED',
      cause: { code: 'LINK_CONNECT_TIMEOUT' },
    });
    expect(link.state).toBe('failed');
    await link.close();
  });

  it('retries with full-jitter exponential backoff capped at maxMs', async () => {
    const attemptsAt: number[] = [];
    const connect = jest.fn(async () => {
      attemptsAt.push(Date.now());
      if (attemptsAt.length < 6) throw new Error('refused');
      return {};
    });
    const link = new ManagedLink<object>({ connect, retry: { baseMs: 100, maxMs: 400 }, random: () => 0.5 });
    const started = link.start();
    await jest.advanceTimersByTimeAsync(10_000);
    await started;
    const gaps = attemptsAt.slice(1).map((t, i) => t - attemptsAt[i]!);
    // ceilings 100, 200, 400, 400 (capped), 400; full jitter with random() = 0.5 takes half of each.
    expect(gaps).toEqual([50, 100, 200, 200, 200]);
    expect(link.state).toBe('connected');
    await link.close();
  });

  it('draws each reconnect delay from [0, ceiling] with the injected randomness', async () => {
    const draws = [0, 0.999, 0.25];
    const delays: number[] = [];
    let failures = 0;
    const { link } = fakeLink({
      retry: { baseMs: 1_000, maxMs: 60_000 },
      random: () => draws.shift() ?? 0,
      connect: async () => {
        if (failures-- > 0) throw new Error('refused');
        return { id: 1, closed: false };
      },
    });
    link.on('reconnecting', ({ delayMs }) => delays.push(delayMs));
    await link.start();
    expect(delays).toEqual([]); // a first connect that succeeds never waits

    failures = 2;
    const reconnected = new Promise((resolve) => link.on('connected', resolve));
    link.reconnect(new Error('peer reset'));
    expect(link.state).toBe('reconnecting');
    await jest.advanceTimersByTimeAsync(10_000);
    await reconnected;
    // ceilings 1000, 2000, 4000: floor(0 * 1000), floor(0.999 * 2000), floor(0.25 * 4000)
    expect(delays).toEqual([0, 1_998, 1_000]);
    expect(link.state).toBe('connected');
    await link.close();
  });

  it('gives up after maxAttempts: failed, the last error as cause, waiting runs rejected', async () => {
    const { link } = fakeLink({
      retry: { baseMs: 10, maxMs: 10, maxAttempts: 3 },
      connect: async () => {
        throw new Error('no route');
      },
    });
    const events = recordEvents(link as ManagedLink<unknown>);
    const waiting = link.run(async () => 'never');
    waiting.catch(() => {});
    await jest.advanceTimersByTimeAsync(100);
    await expect(waiting).rejects.toMatchObject({
      code: 'LINK_CONNECT_FAILED',
      attempts: 3,
      cause: { message: 'no route' },
    });
    await expect(link.run(async () => 'again')).rejects.toBeInstanceOf(LinkConnectError);
    expect(link.state).toBe('failed');
    expect(events).toEqual([
      'connecting',
      'connectFailed',
      'connecting',
      'connectFailed',
      'connecting',
      'connectFailed',
      'failed',
    ]);
    await link.close();
  });

  it('start() after a failed start tries again instead of replaying the old rejection', async () => {
    let down = true;
    const { link } = fakeLink({
      retry: { baseMs: 10, maxMs: 10, maxAttempts: 1 },
      connect: async () => {
        if (down) throw new Error('no route');
        return { id: 1, closed: false };
      },
    });
    await expect(link.start()).rejects.toBeInstanceOf(LinkConnectError);
    expect(link.state).toBe('failed');
    down = false;
    await expect(link.start()).resolves.toBeUndefined();
    expect(link.state).toBe('connected');
    // Once connected, start() stays the resolved no-op it should be.
    await expect(link.start()).resolves.toBeUndefined();
    await link.close();
  });

  it('counts an operation timeout as a breaker failure, a caller abort as nothing', async () => {
    const { link } = fakeLink({ breaker: { failureThreshold: 1 } });
    await link.start();
    const caller = new AbortController();
    const aborted = link.run(() => new Promise(() => {}), { signal: caller.signal });
    caller.abort(new Error('client went away'));
    await expect(aborted).rejects.toThrow('client went away');
    expect(link.breaker!.state).toBe('closed');

    const slow = link.run(() => new Promise(() => {}), { timeoutMs: 200 });
    slow.catch(() => {});
    await jest.advanceTimersByTimeAsync(200);
    await expect(slow).rejects.toBeInstanceOf(LinkOperationTimeoutError);
    expect(link.breaker!.state).toBe('open');
    await link.close();
  });

  it('times out a run that waits for a connection', async () => {
    const { link } = fakeLink({ connect: () => new Promise(() => {}), connectTimeoutMs: 60_000 });
    const run = link.run(async () => 'x', { timeoutMs: 500 });
    run.catch(() => {});
    await jest.advanceTimersByTimeAsync(500);
    await expect(run).rejects.toBeInstanceOf(LinkOperationTimeoutError);
    await expect(run).rejects.toMatchObject({ code: 'LINK_OPERATION_TIMEOUT' });
    await link.close();
  });
});

describe('ManagedLink: options', () => {
  it('lists every bad option at once', () => {
    const create = () =>
      new ManagedLink({
        connect: async () => ({}),
        connectTimeoutMs: 0,
        retry: { baseMs: 100, maxMs: 50, factor: 0.5, maxAttempts: 0 },
      });
    expect(create).toThrow(InvalidOptionsError);
    expect(create).toThrow(
      expect.objectContaining({
        issues: ['connectTimeoutMs', 'retry.maxMs', 'retry.factor', 'retry.maxAttempts'].map((path) =>
          expect.objectContaining({ path }),
        ),
      }),
    );
  });
});

describe('ManagedLink: operations', () => {
  it('runs on the live connection and opens its breaker on failures without calling the operation again', async () => {
    const { link } = fakeLink({ breaker: { failureThreshold: 2, coolDownMs: 60_000 } });
    await link.start();
    await expect(link.run(async (c) => c.id)).resolves.toBe(1);
    const boom = (): Promise<never> => Promise.reject(new Error('500'));
    await expect(link.run(boom)).rejects.toThrow('500');
    await expect(link.run(boom)).rejects.toThrow('500');
    const operation = jest.fn(async () => 'x');
    await expect(link.run(operation)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(operation).not.toHaveBeenCalled();
    expect(link.breaker!.state).toBe('open');
    await link.close();
  });

  it('reconnects when an operation reports a connection error', async () => {
    const { link, opened } = fakeLink({
      isConnectionError: (e) => (e as Error).message === 'EPIPE',
      breaker: false,
    });
    await link.start();
    const events = recordEvents(link as ManagedLink<unknown>);
    const connected = new Promise((resolve) => link.on('connected', resolve));
    await expect(link.run(() => Promise.reject(new Error('EPIPE')))).rejects.toThrow('EPIPE');
    await connected;
    expect(opened[0]!.closed).toBe(true);
    await expect(link.run(async (c) => c.id)).resolves.toBe(2);
    expect(events).toEqual(['disconnected', 'reconnecting', 'connecting', 'connected']);
    await link.close();
  });

  it('aborts in-flight operations on close with LinkClosedError, without counting them as failures', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1 });
    const { link, opened } = fakeLink({ breaker });
    await link.start();
    let opSignal!: AbortSignal;
    const run = link.run((_c, signal) => {
      opSignal = signal;
      return new Promise<never>(() => {}); // ignores its signal on purpose
    });
    await link.close();
    await expect(run).rejects.toBeInstanceOf(LinkClosedError);
    expect(opSignal.aborted).toBe(true);
    expect(breaker.state).toBe('closed');
    expect(opened[0]!.closed).toBe(true);
    expect(link.state).toBe('closed');
    expect(link.close()).toBe(link.close());
    await expect(link.run(async () => 1)).rejects.toMatchObject({ code: 'LINK_CLOSED' });
    await expect(link.start()).rejects.toBeInstanceOf(LinkClosedError);
  });

  it('releases a connection that arrives after its attempt was abandoned', async () => {
    let finish!: (c: FakeConnection) => void;
    const late = { id: 99, closed: false };
    const { link } = fakeLink({ connect: () => new Promise((resolve) => (finish = resolve)) });
    const started = link.start();
    await link.close();
    await expect(started).rejects.toBeInstanceOf(LinkClosedError);
    finish(late);
    await new Promise((resolve) => setImmediate(resolve));
    expect(late.closed).toBe(true);
    expect(link.current).toBeUndefined();
  });

  it('leaves the abort listener counts of the shutdown and caller signals at baseline after 100,000 operations', async () => {
    const { link } = fakeLink({ breaker: false });
    await link.start();
    const appShutdown = new AbortController();
    const baseline = {
      link: getEventListeners(link.signal, 'abort').length,
      caller: getEventListeners(appShutdown.signal, 'abort').length,
    };
    let peak = 0;
    for (let batch = 0; batch < 100; batch++) {
      const runs = Array.from({ length: 1_000 }, (_, i) =>
        link.run(
          async (c, signal) => {
            if (i % 100 === 0) throw new Error('op failed'); // failures must unlink too
            return signal.aborted ? -1 : c.id;
          },
          { signal: appShutdown.signal },
        ),
      );
      peak = Math.max(peak, getEventListeners(appShutdown.signal, 'abort').length);
      await Promise.allSettled(runs);
    }
    expect(peak).toBe(baseline.caller + 1_000); // the listeners are real while the operations run...
    expect(getEventListeners(appShutdown.signal, 'abort')).toHaveLength(baseline.caller); // ...and gone after
    expect(getEventListeners(link.signal, 'abort')).toHaveLength(baseline.link);
    await link.close();
  }, 60_000); // 100,000 real operations: give a loaded CI machine room
});

describe('ManagedLink: real sockets', () => {
  it('rejects a TCP connect that never completes at connectTimeoutMs and destroys its socket', async () => {
    await using stalled = await StalledListener.open();
    const sockets: Socket[] = [];
    const link = new ManagedLink<Socket>({
      name: 'stalled',
      connectTimeoutMs: 100,
      retry: { maxAttempts: 1 },
      connect: (signal) => {
        const attempt = tcpConnect({ host: '127.0.0.1', port: stalled.port, signal });
        return attempt.then((s) => (sockets.push(s), s));
      },
    });
    const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    await expect(link.start()).rejects.toMatchObject({ cause: expect.any(ConnectTimeoutError) });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap')).toHaveLength(before);
    expect(sockets).toHaveLength(0);
    await link.close();
  }, 20_000); // spawns a process / many sockets: room for a loaded machine

  it('reconnects when the peer restarts on the same port, with events in order', async () => {
    const peerSockets = new Set<Socket>();
    const startPeer = (): Server =>
      createServer((socket) => {
        peerSockets.add(socket);
        socket.on('close', () => peerSockets.delete(socket));
        socket.on('data', (data) => socket.write(data));
      });
    let peer = startPeer();
    const lease = await allocatePort({ server: peer });
    lease.handOff();
    const port = lease.port;

    const link = new ManagedLink<Socket>({
      name: 'echo',
      retry: { baseMs: 20, maxMs: 200 },
      connect: (signal) => tcpConnect({ host: '127.0.0.1', port, signal }),
    });
    const events = recordEvents(link as ManagedLink<unknown>);
    const echo = (text: string) =>
      link.run(
        (socket, signal) =>
          new Promise<string>((resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
            socket.once('data', (d) => resolve(String(d)));
            socket.write(text);
          }),
        { timeoutMs: 10_000 },
      );

    await link.start();
    await expect(echo('one')).resolves.toBe('one');

    const disconnected = new Promise((resolve) => link.on('disconnected', resolve));
    await new Promise<void>((resolve) => {
      peer.close(() => resolve());
      for (const socket of peerSockets) socket.destroy();
    });
    await disconnected;
    const reconnected = new Promise((resolve) => link.on('connected', resolve));
    peer = startPeer();
    await new Promise<void>((resolve) => peer.listen(port, '127.0.0.1', () => resolve()));
    await reconnected;
    await expect(echo('two')).resolves.toBe('two');

    const significant = events.filter((e) => ['connected', 'disconnected', 'reconnecting'].includes(e));
    expect(significant[0]).toBe('connected');
    expect(significant[1]).toBe('disconnected');
    expect(significant[2]).toBe('reconnecting');
    expect(significant.at(-1)).toBe('connected');
    expect(significant.slice(2, -1).every((e) => e === 'reconnecting')).toBe(true);
    expect(link.state).toBe('connected');

    await link.close();
    await new Promise<void>((resolve) => {
      peer.close(() => resolve());
      for (const socket of peerSockets) socket.destroy();
    });
  }, 20_000); // spawns a process / many sockets: room for a loaded machine
});
