import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendProblem, type ProblemResponse } from './problem-response.js';

const NOT_FOUND: ProblemResponse = {
  body: { type: 'about:blank', title: 'Not Found', status: 404 },
  headers: { 'Retry-After': '1' },
};

/** Serves one request with `handle`, returns what the client read. */
async function roundTrip(handle: (res: ServerResponse) => void) {
  const server = createServer((_req, res) => handle(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<{ status?: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        request({ port, host: '127.0.0.1', path: '/' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
          res.on('error', reject);
        })
          .on('error', reject)
          .end();
      },
    );
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('sendProblem', () => {
  it('writes problem+json with its status, headers and length on a Node response', async () => {
    const read = await roundTrip((res) => sendProblem(res, NOT_FOUND));
    expect(read.status).toBe(404);
    expect(read.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'retry-after': '1',
      'content-length': String(Buffer.byteLength(read.body)),
    });
    expect(JSON.parse(read.body)).toEqual(NOT_FOUND.body);
  });

  it('ends a response whose headers already went out, keeping what was sent', async () => {
    const read = await roundTrip((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
      sendProblem(res, NOT_FOUND);
    });
    expect(read).toMatchObject({ status: 200, body: 'partial' });
  });

  it('writes a Fastify reply through its API, leaves a sent one alone and ends a started one', () => {
    const calls: unknown[] = [];
    const raw = { headersSent: false, ended: 0, end: () => void raw.ended++ };
    const reply = {
      raw,
      sent: false,
      code: (s: number) => (calls.push(['code', s]), reply),
      headers: (h: Record<string, string>) => (calls.push(['headers', h]), reply),
      send: (b: string) => calls.push(['send', JSON.parse(b)]),
    };
    sendProblem(reply, NOT_FOUND);
    expect(calls).toEqual([
      ['code', 404],
      ['headers', { 'Retry-After': '1', 'Content-Type': 'application/problem+json' }],
      ['send', NOT_FOUND.body],
    ]);
    calls.length = 0;
    sendProblem({ ...reply, sent: true }, NOT_FOUND);
    expect(calls).toEqual([]);
    // Headers already out but not ended (Fastify's `sent` is still false): end it, send nothing.
    raw.headersSent = true;
    sendProblem(reply, NOT_FOUND);
    expect([calls, raw.ended]).toEqual([[], 1]);
  });
});
