import { createServer, type Server } from 'node:http';
import { InvalidOptionsError } from '@steward/common';
import { assertJwksReachable } from './jwks-reachable.js';

describe('assertJwksReachable', () => {
  let server: Server;
  let base: string;
  let reply: { status: number; body: string } = { status: 200, body: '{"keys":[]}' };

  beforeAll(async () => {
    server = createServer((_req, res) =>
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const failure = async (url: string): Promise<InvalidOptionsError> => {
    const error = await assertJwksReachable(url, 1_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidOptionsError);
    return error as InvalidOptionsError;
  };

  it('passes for a JSON Web Key Set', async () => {
    reply = { status: 200, body: '{"keys":[]}' };
    await expect(assertJwksReachable(`${base}/jwks.json`)).resolves.toBeUndefined();
  });

  it('names STEWARD_JWT_JWKS_URL for an HTTP error or a body that is not a key set', async () => {
    reply = { status: 404, body: '{}' };
    expect((await failure(`${base}/jwks.json`)).issues).toEqual([
      { path: 'STEWARD_JWT_JWKS_URL', message: 'answered HTTP 404' },
    ]);
    reply = { status: 200, body: '{"issuer":"x"}' };
    expect((await failure(`${base}/jwks.json`)).issues[0]!.path).toBe('STEWARD_JWT_JWKS_URL');
  });

  it('names the error code, never the URL, when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(`http://127.0.0.1:${port}/jwks.json?token=s3cret`);
    expect(error.message).toMatch(
      /STEWARD_JWT_JWKS_URL: could not be fetched within 1000 ms \(ECONNREFUSED\)/,
    );
    expect(error.message).not.toContain('s3cret');
  });
});
