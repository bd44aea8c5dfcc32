import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { PortLeaseError } from './net.errors.js';
import { allocatePort } from './port-lease.js';

function bind(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('allocatePort', () => {
  it('gives 50 parallel callers 50 distinct ports, each one held', async () => {
    const leases = await Promise.all(Array.from({ length: 50 }, () => allocatePort()));
    try {
      const ports = new Set(leases.map((lease) => lease.port));
      expect(ports.size).toBe(50);
      for (const lease of leases) {
        expect(lease.port).toBeGreaterThan(0);
        expect(lease.host).toBe('127.0.0.1');
        expect(lease.server.listening).toBe(true);
        expect(lease.state).toBe('held');
      }
    } finally {
      await Promise.all(leases.map((lease) => lease.close()));
    }
    expect(leases.every((lease) => !lease.server.listening && lease.state === 'closed')).toBe(true);
  }, 20_000); // spawns a process / many sockets: room for a loaded machine

  it('keeps the port bound until closed: another bind fails, then succeeds after close', async () => {
    const lease = await allocatePort();
    await expect(bind(lease.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await lease.close();
    const again = await bind(lease.port);
    await close(again);
  });

  it('cuts off clients that connect to the placeholder', async () => {
    await using lease = await allocatePort();
    const socket = connect(lease.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('close', resolve));
    expect(socket.bytesRead).toBe(0);
  });

  it('hands the listening handle to another server without a rebind window', async () => {
    const lease = await allocatePort();
    const server = createHttpServer((_req, res) => res.end('served'));
    await lease.listen(server);
    expect(lease.state).toBe('handed-off');
    expect(server.address()).toMatchObject({ port: lease.port });

    const response = await fetch(`http://127.0.0.1:${lease.port}/`, { headers: { connection: 'close' } });
    expect(await response.text()).toBe('served');

    await lease.close(); // no-op: the port now belongs to `server`
    await expect(bind(lease.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await close(server);
    await close(await bind(lease.port));
  });

  it('stays held when the hand-off fails, so close() still frees the port', async () => {
    const lease = await allocatePort();
    const busy = createHttpServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    await expect(lease.listen(busy)).rejects.toMatchObject({ code: 'ERR_SERVER_ALREADY_LISTEN' });
    expect(lease.state).toBe('held');
    await lease.close();
    await close(await bind(lease.port));
    await close(busy);
  });

  it('binds a server of your own and closes it on dispose', async () => {
    const server = createHttpServer((_req, res) => res.end('own'));
    {
      await using lease = await allocatePort({ server });
      expect(lease.server).toBe(server);
      expect(server.listening).toBe(true);
    }
    expect(server.listening).toBe(false);
  });

  it('hands off once; later hand-offs are typed errors and close() leaves the server alone', async () => {
    const lease = await allocatePort();
    const server = lease.handOff();
    expect(server.listening).toBe(true);
    expect(() => lease.handOff()).toThrow(PortLeaseError);
    expect(() => lease.handOff()).toThrow(expect.objectContaining({ code: 'PORT_LEASE_NOT_HELD' }));
    await lease[Symbol.asyncDispose]();
    expect(server.listening).toBe(true);
    await close(server);
  });

  it('rejects with the abort reason and binds nothing when the signal is already aborted', async () => {
    const reason = new Error('shutting down');
    const server = createServer();
    await expect(allocatePort({ server, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.listening).toBe(false);
  });

  it('rejects when the host cannot be bound', async () => {
    await expect(allocatePort({ host: '203.0.113.1' })).rejects.toMatchObject({ code: 'EADDRNOTAVAIL' });
  });
});
