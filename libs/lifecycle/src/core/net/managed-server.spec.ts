import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ManagedServer } from './managed-server.js';
import { allocatePort } from './port-lease.js';
import { selfSignedCert } from './testing/self-signed-cert.js';

/** A hand-written HTTP/1.1 client on one socket, so the test decides what is pipelined and when. */
class RawClient {
  readonly socket: Socket;
  received = '';
  readonly closed: Promise<void>;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (this.received += chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  send(...paths: string[]): void {
    this.socket.write(paths.map((path) => `GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`).join(''));
  }

  /** Resolves once `text` has been received. */
  async waitFor(text: string): Promise<void> {
    while (!this.received.includes(text)) {
      await new Promise((resolve) => this.socket.once('data', resolve));
    }
  }

  get responses(): number {
    return this.received.split('HTTP/1.1 ').length - 1;
  }
}

function nextEvent(managed: ManagedServer, event: 'connection' | 'close'): Promise<void> {
  return new Promise((resolve) => {
    const off = managed.on(event, () => {
      off();
      resolve();
    });
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function serve(listener: RequestListener): Promise<{ server: HttpServer; port: number }> {
  const server = createHttpServer(listener);
  const lease = await allocatePort({ server });
  lease.handOff(); // the test owns the server from here on; drain closes it
  return { server, port: lease.port };
}

describe('ManagedServer (http)', () => {
  it('answers the in-flight request with Connection: close, does not serve the queued one, closes idle sockets', async () => {
    const handled: string[] = [];
    const slowStarted = deferred();
    const release = deferred();
    const { server, port } = await serve((req, res) => {
      handled.push(req.url!);
      if (req.url === '/slow') {
        slowStarted.resolve();
        void release.promise.then(() => res.end('slow-body'));
      } else res.end('fast-body');
    });
    const managed = new ManagedServer(server, { name: 'api' });

    const idle = await RawClient.open(port);
    idle.send('/fast');
    await idle.waitFor('fast-body');
    expect(idle.received).toMatch(/connection: keep-alive/i);

    const busy = await RawClient.open(port);
    busy.send('/slow');
    await slowStarted.promise;

    const refused = new Promise<void>((resolve) => managed.on('refused', () => resolve()));
    const drained = managed.drain({ timeoutMs: 60_000 });
    expect(managed.state).toBe('draining');
    busy.send('/queued'); // pipelined behind the in-flight request, after the drain began
    await refused;
    await idle.closed; // the idle keep-alive socket is closed right away

    release.resolve();
    const result = await drained;
    await busy.closed;

    expect(busy.responses).toBe(1);
    expect(busy.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(busy.received).toMatch(/\r\nconnection: close\r\n/i);
    expect(busy.received).toContain('slow-body');
    expect(handled).toEqual(['/fast', '/slow']);
    expect(result).toEqual({ forced: false, closedIdle: 2, destroyed: 0, refused: 1 });
    expect(server.listening).toBe(false);
    expect(managed.connections).toBe(0);
    expect(managed.state).toBe('closed');
  });

  it('sends only the in-flight response when a follow-up was pipelined before the drain', async () => {
    const slowStarted = deferred();
    const release = deferred();
    const { server, port } = await serve((req, res) => {
      if (req.url === '/slow') {
        slowStarted.resolve();
        void release.promise.then(() => res.end('slow-body'));
      } else res.end('queued-body');
    });
    const managed = new ManagedServer(server);
    const client = await RawClient.open(port);
    client.send('/slow', '/queued');
    await slowStarted.promise;

    const drained = managed.drain({ timeoutMs: 60_000 });
    release.resolve();
    const result = await drained;
    await client.closed;

    expect(client.responses).toBe(1);
    expect(client.received).toMatch(/connection: close/i);
    expect(client.received).not.toContain('queued-body');
    expect(result.forced).toBe(false);
  });

  it('destroys a request that outlives the drain timeout and reports the drain as forced', async () => {
    const started = deferred();
    const { server, port } = await serve((req, res) => {
      if (req.url === '/forever') started.resolve();
      else res.end('ok');
    });
    const managed = new ManagedServer(server);
    const idle = await RawClient.open(port);
    idle.send('/ok');
    await idle.waitFor('ok');
    const stuck = await RawClient.open(port);
    stuck.send('/forever');
    await started.promise;

    const result = await managed.drain({ timeoutMs: 100 });
    await Promise.all([stuck.closed, idle.closed]);

    expect(result).toEqual({ forced: true, closedIdle: 1, destroyed: 1, refused: 0 });
    expect(stuck.received).toBe('');
    expect(server.listening).toBe(false);
  });

  it('forces at once when the drain signal aborts', async () => {
    const started = deferred();
    const { server, port } = await serve(() => started.resolve());
    const managed = new ManagedServer(server);
    const stuck = await RawClient.open(port);
    stuck.send('/forever');
    await started.promise;

    const controller = new AbortController();
    const drained = managed.drain({ timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    await expect(drained).resolves.toMatchObject({ forced: true, destroyed: 1 });
    await stuck.closed;
  });

  it('is idempotent: a second drain returns the first promise', async () => {
    const { server } = await serve((_req, res) => res.end());
    const managed = new ManagedServer(server);
    const first = managed.drain({ timeoutMs: 1_000 });
    expect(managed.drain({ timeoutMs: 5 })).toBe(first);
    await expect(first).resolves.toEqual({ forced: false, closedIdle: 0, destroyed: 0, refused: 0 });
    await expect(managed.drain({ timeoutMs: 5 })).resolves.toBe(await first);
  });

  it('rejects a drain without a valid timeout, and keeps serving', async () => {
    const managed = new ManagedServer(createHttpServer());
    await expect(managed.drain({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'STEWARD_INVALID_OPTIONS' });
    expect(managed.state).toBe('serving');
    expect(() => new ManagedServer(createHttpServer(), { drainTimeoutMs: Number.NaN })).toThrow(
      /drainTimeoutMs/,
    );
  });

  it('drains a server that never listened', async () => {
    const managed = new ManagedServer(createHttpServer());
    await expect(managed.drain({ timeoutMs: 1_000 })).resolves.toMatchObject({ forced: false });
  });

  it('counts connections through events, and a throwing listener breaks nothing', async () => {
    const { server, port } = await serve((_req, res) => res.end('ok'));
    const listenerErrors: unknown[] = [];
    const managed = new ManagedServer(server, { onListenerError: (error) => listenerErrors.push(error) });
    const seen: string[] = [];
    managed.on('connection', ({ connections }) => seen.push(`+${connections}`));
    managed.on('close', ({ connections }) => seen.push(`-${connections}`));
    managed.on('connection', () => {
      throw new Error('metric exporter down');
    });

    let accepted = nextEvent(managed, 'connection');
    const a = await RawClient.open(port);
    await accepted;
    accepted = nextEvent(managed, 'connection');
    const b = await RawClient.open(port);
    await accepted;
    a.send('/');
    await a.waitFor('ok');
    expect(managed.connections).toBe(2);
    const closed = nextEvent(managed, 'close');
    a.socket.end();
    await closed;
    expect(managed.connections).toBe(1);

    await managed[Symbol.asyncDispose]();
    await b.closed;
    expect(seen).toEqual(['+1', '+2', '-1', '-0']);
    expect(listenerErrors).toHaveLength(2);
  });
});

describe('ManagedServer (https)', () => {
  const tls = selfSignedCert();

  function openTls(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  it('drains over TLS like over plain http, and closes sockets still in the handshake', async () => {
    const slowStarted = deferred();
    const release = deferred();
    const handled: string[] = [];
    const server = createHttpsServer(tls, (req, res) => {
      handled.push(req.url!);
      if (req.url === '/slow') {
        slowStarted.resolve();
        void release.promise.then(() => res.end('slow-body'));
      } else res.end('fast-body');
    });
    const lease = await allocatePort({ server });
    lease.handOff();
    const managed = new ManagedServer(server);

    const idle = await openTls(lease.port);
    idle.send('/fast');
    await idle.waitFor('fast-body');
    const busy = await openTls(lease.port);
    busy.send('/slow');
    await slowStarted.promise;
    const accepted = nextEvent(managed, 'connection');
    const handshaking = await RawClient.open(lease.port); // plain TCP: never sends a ClientHello
    await accepted;

    const refused = new Promise<void>((resolve) => managed.on('refused', () => resolve()));
    const drained = managed.drain({ timeoutMs: 60_000 });
    busy.send('/queued');
    await refused;
    await Promise.all([idle.closed, handshaking.closed]);
    release.resolve();

    await expect(drained).resolves.toEqual({ forced: false, closedIdle: 3, destroyed: 0, refused: 1 });
    await busy.closed;
    expect(busy.responses).toBe(1);
    expect(busy.received).toMatch(/connection: close/i);
    expect(handled).toEqual(['/fast', '/slow']);
  });
});

describe('ManagedServer (net)', () => {
  async function echo(): Promise<{ server: Server; port: number }> {
    const server = createServer((socket) => socket.pipe(socket));
    const lease = await allocatePort({ server });
    lease.handOff();
    return { server, port: lease.port };
  }

  it('stops accepting and lets open connections finish on their own', async () => {
    const { server, port } = await echo();
    const managed = new ManagedServer(server);
    const accepted = nextEvent(managed, 'connection');
    const client = await RawClient.open(port);
    await accepted;

    const drained = managed.drain({ timeoutMs: 60_000 });
    const late = connect(port, '127.0.0.1');
    const lateError = new Promise((resolve) => late.once('error', resolve));
    client.socket.write('still here');
    await client.waitFor('still here');
    client.socket.end();

    await expect(drained).resolves.toEqual({ forced: false, closedIdle: 0, destroyed: 0, refused: 0 });
    await expect(lateError).resolves.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('destroys connections still open at the deadline', async () => {
    const { server, port } = await echo();
    const managed = new ManagedServer(server);
    const accepted = nextEvent(managed, 'connection');
    const client = await RawClient.open(port);
    await accepted;
    await expect(managed.drain({ timeoutMs: 50 })).resolves.toEqual({
      forced: true,
      closedIdle: 0,
      destroyed: 1,
      refused: 0,
    });
    await client.closed;
  });
});
