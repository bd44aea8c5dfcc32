import { connect, createServer, type Server, type Socket } from 'node:net';

/** What the proxy's port does: pass through, refuse (nothing listens), or accept and never answer. */
export type FaultMode = 'forward' | 'refuse' | 'blackhole';

/** A TCP port in front of a real server whose behaviour a test switches: the database goes away and comes back. */
export interface FaultProxy extends AsyncDisposable {
  readonly port: number;
  readonly mode: FaultMode;
  /** Connections accepted while in `mode` (since the proxy started). */
  accepted(mode: FaultMode): number;
  /** Switches mode; every open connection is cut (what a failover or a network partition does). */
  set(mode: FaultMode): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port in front of `host:port`, in mode 'forward'. */
export async function startFaultProxy(targetHost: string, targetPort: number): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const counts: Record<FaultMode, number> = { forward: 0, refuse: 0, blackhole: 0 };
  let mode: FaultMode = 'forward';
  let listening = false;

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const server: Server = createServer((client) => {
    track(client);
    counts[mode]++;
    if (mode !== 'forward') return;
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        listening = true;
        resolve();
      });
    });
  const unlisten = (): Promise<void> =>
    new Promise((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
    });
  const cutAll = (): void => {
    for (const socket of sockets) socket.destroy();
  };

  await listen(0);
  const port = (server.address() as { port: number }).port;

  const close = async (): Promise<void> => {
    const closed = unlisten();
    cutAll();
    await closed;
  };
  return {
    port,
    get mode() {
      return mode;
    },
    accepted: (m) => counts[m],
    async set(next) {
      mode = next;
      if (next === 'refuse') {
        const closed = unlisten();
        cutAll();
        await closed;
        return;
      }
      cutAll();
      // The same port again: the service under test keeps its configuration.
      if (!listening) await listen(port);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
