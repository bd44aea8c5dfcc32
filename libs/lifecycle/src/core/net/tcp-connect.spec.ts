import { createServer, type Server } from 'node:net';
import { ConnectTimeoutError } from './net.errors.js';
import { allocatePort } from './port-lease.js';
import { tcpConnect } from './tcp-connect.js';
import { StalledListener } from './testing/stalled-listener.js';

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

async function settle(): Promise<void> {
  // A destroyed socket releases its handle on the next turn of the loop.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

describe('tcpConnect', () => {
  it('resolves with a connected socket', async () => {
    const server: Server = createServer((socket) => socket.end('hello'));
    await using lease = await allocatePort({ server });
    const socket = await tcpConnect({ host: '127.0.0.1', port: lease.port });
    const data = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
    expect(data).toBe('hello');
    socket.destroy();
  });

  it('rejects a connect that never completes at timeoutMs and destroys its socket', async () => {
    await using stalled = await StalledListener.open();
    const before = openSockets();
    const attempt = tcpConnect({ host: '127.0.0.1', port: stalled.port, timeoutMs: 100 });
    await expect(attempt).rejects.toBeInstanceOf(ConnectTimeoutError);
    await expect(attempt).rejects.toMatchObject({ code: 'LINK_CONNECT_TIMEOUT', timeoutMs: 100 });
    await settle();
    expect(openSockets()).toBe(before);
  }, 20_000); // spawns a process / many sockets: room for a loaded machine

  it('destroys the socket and rejects with the reason when aborted', async () => {
    await using stalled = await StalledListener.open();
    const before = openSockets();
    const controller = new AbortController();
    const attempt = tcpConnect({ host: '127.0.0.1', port: stalled.port, signal: controller.signal });
    const reason = new Error('shutdown');
    controller.abort(reason);
    await expect(attempt).rejects.toBe(reason);
    await settle();
    expect(openSockets()).toBe(before);
  }, 20_000); // spawns a process / many sockets: room for a loaded machine

  it('rejects at once for an aborted signal and with the socket error for a refused port', async () => {
    const reason = new Error('already stopped');
    await expect(tcpConnect({ host: '127.0.0.1', port: 1, signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    const lease = await allocatePort();
    const port = lease.port;
    await lease.close();
    await expect(tcpConnect({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
