import { createServer, type Server, type Socket } from 'node:net';

/** A loopback listener that accepts connections and never answers: the worst peer a create can meet. */
export class SilentServer {
  readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer((socket) => {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    // Read and discard, or the server never sees the client's FIN and the socket looks open forever.
    socket.resume();
    socket.on('close', () => this.sockets.delete(socket));
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Resolves once every accepted socket has been closed by the client (polls; robust to a slow machine). */
  async waitUntilEmpty(timeoutMs = 5_000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.sockets.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.sockets.size === 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
