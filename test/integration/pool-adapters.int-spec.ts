import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { postgresFactory } from '@steward/pool/postgres';
import { redisFactory } from '@steward/pool/redis';
import { sqliteFactory } from '@steward/pool/sqlite';
import { tcpFactory } from '@steward/pool/tcp';
import { backendCount, terminateBackends, uniqueAppName, waitForBackends } from './pool-pg-helpers.js';
import { SilentServer } from './pool-silent-server.js';
import { databaseUrl, redisUrl } from './services.js';

const live = (): AbortSignal => new AbortController().signal;

/** A create against a listener that accepts and never answers, aborted mid-connect: it rejects and no socket stays open. */
async function expectAbortedCreateLeavesNoSocket(
  makeFactory: (port: number) => { create(signal: AbortSignal): Promise<unknown> },
): Promise<void> {
  const silent = new SilentServer();
  const port = await silent.listen();
  try {
    const controller = new AbortController();
    const attempt = makeFactory(port).create(controller.signal);
    while (silent.sockets.size === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error('create timeout'));
    await expect(attempt).rejects.toThrow('create timeout');
    expect(await silent.waitUntilEmpty()).toBe(true);
  } finally {
    await silent.close();
  }
}

describe('postgresFactory (real PostgreSQL)', () => {
  it('connects with application_name, validates, and leaves no backend after destroy', async () => {
    const appName = uniqueAppName('pg-adapter');
    const factory = postgresFactory({ connectionString: databaseUrl(), applicationName: appName });
    const client = await factory.create(live());
    expect(await backendCount(appName)).toBe(1);
    expect(await factory.validate!(client, live())).toBe(true);
    await factory.destroy(client);
    expect(await waitForBackends(appName, 0)).toBe(0);
  });

  it('survives pg_terminate_backend on an idle client: no crash, validate false, isBroken true', async () => {
    const appName = uniqueAppName('pg-kill');
    const factory = postgresFactory({ connectionString: databaseUrl(), applicationName: appName });
    const client = await factory.create(live());
    const errored = once(client, 'error');
    expect(await terminateBackends(appName)).toBe(1);
    await errored; // emitted on an idle client: without the factory's listener this would crash the process
    expect(await factory.validate!(client, live())).toBe(false);
    const failure = await client.query('SELECT 1').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(factory.isBroken!(failure)).toBe(true);
    await factory.destroy(client);
  });

  it('does not call a SQL error broken', async () => {
    const factory = postgresFactory({
      connectionString: databaseUrl(),
      applicationName: uniqueAppName('pg-sql'),
    });
    const client = await factory.create(live());
    try {
      const failure = await client.query('SELECT * FROM no_such_table_steward').catch((e: unknown) => e);
      expect(factory.isBroken!(failure)).toBe(false);
      expect(await factory.validate!(client, live())).toBe(true);
    } finally {
      await factory.destroy(client);
    }
  });

  it('an aborted create against a listener that never answers rejects and leaves no socket', async () => {
    await expectAbortedCreateLeavesNoSocket((port) =>
      postgresFactory({ host: '127.0.0.1', port, user: 'x', database: 'x' }),
    );
  });

  it('the connect timeout also bounds a silent server on its own', async () => {
    const silent = new SilentServer();
    const port = await silent.listen();
    try {
      const factory = postgresFactory({
        host: '127.0.0.1',
        port,
        user: 'x',
        database: 'x',
        connectTimeoutMs: 200,
      });
      const failure = await factory.create(live()).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(Error);
      expect(factory.isBroken!(failure)).toBe(true);
      expect(await silent.waitUntilEmpty()).toBe(true);
    } finally {
      await silent.close();
    }
  });
});

describe('redisFactory (real Redis)', () => {
  const listClients = async (name: string): Promise<number> => {
    const admin = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await admin.connect();
    try {
      const list = (await admin.client('LIST')) as string;
      return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
    } finally {
      admin.disconnect();
    }
  };

  it('connects lazily under a name, answers PING, and quits on destroy', async () => {
    const name = uniqueAppName('redis');
    const factory = redisFactory({ url: redisUrl(), connectionName: name });
    const client = await factory.create(live());
    expect(client.status).toBe('ready');
    expect(await factory.validate!(client, live())).toBe(true);
    expect(await listClients(name)).toBe(1);
    const ended = client.status === 'end' ? Promise.resolve() : once(client, 'end');
    await factory.destroy(client);
    await ended;
    expect(await listClients(name)).toBe(0);
  });

  it('survives CLIENT KILL: no crash, no reconnect, validate false, isBroken true', async () => {
    const name = uniqueAppName('redis-kill');
    const factory = redisFactory({ url: redisUrl(), connectionName: name });
    const client = await factory.create(live());
    const id = (await client.client('ID')) as number;
    const closed = once(client, 'end');
    const admin = new Redis(redisUrl(), { lazyConnect: true });
    await admin.connect();
    try {
      expect(await admin.client('KILL', 'ID', String(id))).toBe(1);
    } finally {
      admin.disconnect();
    }
    await closed;
    expect(await factory.validate!(client, live())).toBe(false);
    const failure = await client.get('k').catch((e: unknown) => e);
    expect(factory.isBroken!(failure)).toBe(true);
    expect(
      factory.isBroken!(new Error('WRONGTYPE Operation against a key holding the wrong kind of value')),
    ).toBe(false);
    await factory.destroy(client);
  });

  it('an aborted create against a listener that never answers rejects and leaves no socket', async () => {
    await expectAbortedCreateLeavesNoSocket((port) => redisFactory({ redis: { host: '127.0.0.1', port } }));
  });
});

describe('sqliteFactory (node:sqlite)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'steward-sqlite-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens in WAL mode, validates, and shares one file across connections', async () => {
    const factory = sqliteFactory({ path: join(dir, 'a.db') });
    const a = await factory.create(live());
    const b = await factory.create(live());
    try {
      expect(a.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      a.exec('CREATE TABLE t (v INTEGER)');
      a.prepare('INSERT INTO t VALUES (?)').run(7);
      expect(b.prepare('SELECT v FROM t').get()).toEqual({ v: 7 });
      expect(await factory.validate!(a, live())).toBe(true);
    } finally {
      await factory.destroy(a);
      await factory.destroy(b);
    }
    expect(await factory.validate!(a, live())).toBe(false);
    const failure = (() => {
      try {
        a.prepare('SELECT 1');
      } catch (error) {
        return error;
      }
    })();
    expect(factory.isBroken!(failure)).toBe(true);
    expect(factory.isBroken!(new Error('no such table: x'))).toBe(false);
  });
});

describe('tcpFactory (loopback)', () => {
  let server: Server;
  let port: number;
  const accepted = new Set<Socket>();
  beforeAll(async () => {
    server = createServer((socket) => {
      accepted.add(socket);
      socket.on('error', () => undefined);
      socket.resume();
      socket.on('close', () => accepted.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('connects, validates, and a peer reset makes it invalid without crashing', async () => {
    const factory = tcpFactory({ host: '127.0.0.1', port });
    const socket = await factory.create(live());
    expect(await factory.validate!(socket, live())).toBe(true);
    while (accepted.size === 0) await new Promise((r) => setTimeout(r, 10));
    // Not events.once: it rejects on the 'error' that precedes 'close'.
    const closed = new Promise((resolve) => socket.once('close', resolve));
    for (const peer of accepted) peer.resetAndDestroy();
    await closed;
    expect(await factory.validate!(socket, live())).toBe(false);
    await factory.destroy(socket);
  });

  it('a refused connection is a broken-connection error', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const freePort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const factory = tcpFactory({ host: '127.0.0.1', port: freePort });
    const failure = await factory.create(live()).catch((e: unknown) => e);
    expect(factory.isBroken!(failure)).toBe(true);
  });

  it('an already aborted signal never opens a socket', async () => {
    const factory = tcpFactory({ host: '127.0.0.1', port });
    const before = accepted.size;
    await expect(factory.create(AbortSignal.abort(new Error('closed')))).rejects.toThrow('closed');
    await new Promise((r) => setTimeout(r, 50));
    expect(accepted.size).toBe(before);
  });
});
