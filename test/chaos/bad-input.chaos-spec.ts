import fc from 'fast-check';
import { demoKeys, withKey } from './support/access.js';
import { startDemo, stopDemo, type DemoProcess } from './support/demo-process.js';
import { call, metricValue, sleep, STACK_TRACE, waitUntil } from './support/http.js';
import { adminQuery, countBackends, databaseUrl } from './support/postgres.js';
import { rawHttp, rawRequest, type RawReply } from './support/raw-http.js';

// Scenario 7: hostile and broken requests against every route of the demo process (malformed JSON,
// wrong types, huge bodies, long headers and paths, control characters, bad and truncated credentials).
// Never a 5xx, never a stack trace, always a specific 4xx; heap and handles settle back afterwards.
// On PostgreSQL: its errors (integer out of range, invalid byte sequences) must not surface as 500s.
const APP = `steward-chaos-input-${process.pid}`;
const TABLE = `chaos_input_${process.pid}`;

describe('chaos: bad input', () => {
  const keys = demoKeys();
  let demo: DemoProcess;
  let port: number;
  const secrets = [keys.pepper, keys.admin, keys.reader, keys.metrics];

  beforeAll(async () => {
    demo = await startDemo({
      ...keys.env,
      DATABASE_URL: databaseUrl(),
      PG_APPLICATION_NAME: APP,
      ITEMS_TABLE: TABLE,
    });
    port = Number(new URL(demo.url).port);
  }, 60_000);

  afterAll(async () => {
    await stopDemo(demo);
    await adminQuery(`DROP TABLE IF EXISTS ${TABLE}`);
    await waitUntil('no backend left', async () => (await countBackends(APP)) === 0, 5_000);
  }, 30_000);

  const processFigures = async (): Promise<{ heap: number; handles: number }> => {
    const reply = await call(`${demo.url}/metrics`, { headers: withKey(keys.metrics) });
    expect(reply.status).toBe(200);
    const text = reply.body;
    return {
      heap: metricValue(text, 'nodejs_heap_size_used_bytes'),
      handles: metricValue(text, 'nodejs_active_handles_total'),
    };
  };

  const expectClean = (reply: RawReply, what: string): void => {
    const where = `${what} → ${reply.status} ${reply.error ?? ''} ${reply.body.slice(0, 200)}`;
    expect([where, reply.status >= 200 && reply.status < 500]).toEqual([where, true]);
    expect([where, STACK_TRACE.test(reply.body)]).toEqual([where, false]);
    for (const secret of secrets) expect(reply.body).not.toContain(secret);
  };

  it('answers each kind of bad request with its specific 4xx', async () => {
    const json = { 'Content-Type': 'application/json' };
    const cases: [string, Buffer, number[]][] = [
      ['no credentials', rawHttp('GET', '/items'), [401]],
      ['truncated key', rawHttp('GET', '/items', withKey(keys.reader.slice(0, 20))), [401]],
      [
        'key with one character changed',
        rawHttp(
          'GET',
          '/items',
          withKey(`${keys.reader.slice(0, -1)}${keys.reader.endsWith('x') ? 'y' : 'x'}`),
        ),
        [401],
      ],
      ['garbage bearer token', rawHttp('GET', '/items', { Authorization: 'Bearer a.b.c' }), [401]],
      ['unknown auth scheme', rawHttp('GET', '/items', { Authorization: 'Basic Zm9vOmJhcg==' }), [401]],
      ['key in the query string', rawHttp('GET', `/items?api_key=${keys.reader}`), [400, 401]],
      [
        'reader writing',
        rawHttp('POST', '/items', { ...withKey(keys.reader), ...json }, '{"name":"x"}'),
        [403],
      ],
      ['metrics role reading items', rawHttp('GET', '/items', withKey(keys.metrics)), [403]],
      [
        'malformed JSON',
        rawHttp('POST', '/items', { ...withKey(keys.admin), ...json }, '{"name": "x",'),
        [400],
      ],
      ['wrong type', rawHttp('POST', '/items', { ...withKey(keys.admin), ...json }, '{"name": 42}'), [400]],
      [
        'unknown field',
        rawHttp('POST', '/items', { ...withKey(keys.admin), ...json }, '{"name":"a","x":1}'),
        [400],
      ],
      ['JSON array body', rawHttp('POST', '/items', { ...withKey(keys.admin), ...json }, '[1,2]'), [400]],
      ['non-numeric id', rawHttp('GET', '/items/abc', withKey(keys.reader)), [400]],
      ['id beyond the integer column', rawHttp('GET', '/items/99999999999', withKey(keys.reader)), [400]],
      [
        'NUL character in a JSON string',
        rawHttp('POST', '/items', { ...withKey(keys.admin), ...json }, '{"name":"a\\u0000b"}'),
        [400],
      ],
      ['bad percent-encoding', rawHttp('GET', '/items/%ZZ', withKey(keys.reader)), [400]],
      ['query out of range', rawHttp('GET', '/items?limit=-5', withKey(keys.reader)), [400]],
      ['unknown route', rawHttp('GET', '/nope', withKey(keys.admin)), [404]],
      [
        '2 MB body',
        rawHttp('POST', '/items', { ...withKey(keys.admin), ...json }, `{"name":"${'a'.repeat(2_000_000)}"}`),
        [413],
      ],
      [
        '20 KB header',
        rawHttp('GET', '/items', { ...withKey(keys.reader), 'X-Junk': 'x'.repeat(20_000) }),
        [431],
      ],
      ['20 KB path', rawHttp('GET', `/items/${'1'.repeat(20_000)}`, withKey(keys.reader)), [414, 431]],
      [
        'control character in a header',
        rawHttp('GET', '/items', { 'X-API-Key': `${keys.reader}\x01` }),
        [400],
      ],
      ['NUL in the path', rawHttp('GET', '/items/\x00', withKey(keys.reader)), [400]],
      [
        'not HTTP at all',
        Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 'latin1'),
        [400],
      ],
    ];
    const seen: string[] = [];
    for (const [what, bytes, expected] of cases) {
      // Its own client address: the lockouts these failures cause stay away from the scrapes below.
      const reply = await rawRequest(port, bytes, { localAddress: '127.0.0.2' });
      seen.push(`${what}=${reply.status}`);
      expectClean(reply, what);
      expect({ what, status: reply.status, expected: expected.includes(reply.status) }).toMatchObject({
        expected: true,
      });
    }
    console.log(`bad-input cases: ${seen.join(', ')}`);
    expect(demo.alive()).toBe(true);
  }, 60_000);

  it('never answers generated bad requests with a 5xx or a stack, and settles back', async () => {
    // Warm the process up first, so the baseline is a serving process rather than a cold one.
    for (let i = 0; i < 20; i++) await call(`${demo.url}/items`, { headers: withKey(keys.reader) });
    const before = await processFigures();

    const routes = [
      { method: 'GET', path: '/items' },
      { method: 'POST', path: '/items' },
      { method: 'GET', path: '/items/{id}' },
      { method: 'DELETE', path: '/items/{id}' },
      { method: 'POST', path: '/hash' },
      { method: 'GET', path: '/admin/pools' },
      { method: 'GET', path: '/admin/pools/{id}' },
      // Operations that change the service: generated with any credential but a valid admin key.
      { method: 'POST', path: '/admin/pools/{id}/drain', operates: true },
      { method: 'POST', path: '/admin/pools/{id}/resize', operates: true },
      { method: 'POST', path: '/admin/pools/{id}/reset', operates: true },
      { method: 'POST', path: '/admin/pools/{id}/hold', operates: true },
      { method: 'GET', path: '/admin/processes' },
      { method: 'GET', path: '/metrics' },
      { method: 'GET', path: '/health/ready' },
    ];
    const segment = fc.oneof(
      fc.integer().map(String),
      fc.string().map(encodeURIComponent),
      fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent),
      fc.constantFrom('db', 'hash', 'cache', '..', '%2e%2e', '%00', '%ZZ', '__proto__', 'constructor'),
      fc.integer({ min: 1_000, max: 12_000 }).map((n) => 'a'.repeat(n)),
      // Raw bytes in the request line: the HTTP parser's job.
      fc.string({
        unit: fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)),
        minLength: 1,
        maxLength: 3,
      }),
    );
    const query = fc.option(
      fc
        .tuple(fc.constantFrom('limit', 'offset', 'x'), fc.string({ unit: 'binary', maxLength: 20 }))
        .map(([k, v]) => `?${k}=${encodeURIComponent(v)}`),
      { nil: '' },
    );
    const garbage = fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[\r\n]/g, ''));
    const credential = (operates: boolean) =>
      fc.oneof(
        fc.constant<Record<string, string>>({}),
        fc
          .constantFrom(...(operates ? [keys.reader, keys.metrics] : [keys.admin, keys.reader, keys.metrics]))
          .map(withKey),
        fc.integer({ min: 0, max: keys.reader.length - 1 }).map((n) => withKey(keys.reader.slice(0, n))),
        garbage.map((g) => withKey(g)),
        garbage.map((g) => ({ Authorization: `Bearer ${g}` })),
        garbage.map((g) => ({ Authorization: `ApiKey ${keys.reader}${g}` })),
        fc.constant({ 'X-Long': 'x'.repeat(17_000) }),
        fc
          .constantFrom('\x01', '\x7f', '\x00', '\x1b[31m')
          .map((c) => ({ 'X-API-Key': `${keys.admin.slice(0, 10)}${c}` })),
      );
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/json; charset=utf-16',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '\x01',
      undefined,
    );
    const body = fc.option(
      fc.oneof(
        garbage,
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc
          .record(
            { name: fc.anything(), description: fc.anything(), input: fc.anything(), ms: fc.anything() },
            { requiredKeys: [] },
          )
          .map((v) => {
            try {
              return JSON.stringify(v) ?? '{}';
            } catch {
              return '{}';
            }
          }),
        fc.constantFrom(
          '{"name":',
          '{"__proto__":{"polluted":1},"name":"p"}',
          '{"constructor":{"prototype":{"x":1}}}',
        ),
        fc.integer({ min: 110_000, max: 400_000 }).map((n) => `{"name":"${'a'.repeat(n)}"}`),
      ),
      { nil: undefined },
    );
    const request = fc.constantFrom(...routes).chain((route) =>
      fc.record({
        route: fc.constant(route),
        method: fc.oneof(
          { weight: 4, arbitrary: fc.constant(route.method) },
          fc.constantFrom('PUT', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'),
        ),
        id: segment,
        query,
        credential: credential(route.operates === true),
        // Many client addresses, as on the internet: per-IP lockouts do not end the exploration early.
        client: fc.integer({ min: 1, max: 254 }).map((n) => `127.0.1.${n}`),
        contentType,
        body,
      }),
    );

    const statuses: Record<string, number> = {};
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const path = r.route.path.replace('{id}', r.id) + r.query;
        const headers = {
          ...r.credential,
          ...(r.contentType !== undefined && { 'Content-Type': r.contentType }),
        };
        const reply = await rawRequest(port, rawHttp(r.method, path, headers, r.body), {
          localAddress: r.client,
        });
        runs++;
        statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
        expectClean(reply, `${r.method} ${path.slice(0, 80)} ${JSON.stringify(headers).slice(0, 120)}`);
        // A scheme plus a key and only blanks after it is still that key (HTTP trims header values).
        const validKey = Object.values(r.credential).some((v) =>
          [keys.admin, keys.reader, keys.metrics].includes(v.replace(/^(ApiKey|Bearer) /, '').trim()),
        );
        // Without a valid credential only the public probes may succeed.
        if (!validKey && !path.startsWith('/health/')) expect(reply.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 400, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: false },
    );

    expect(demo.alive()).toBe(true);
    expect((await call(`${demo.url}/health/live`)).status).toBe(200);
    // Sockets of the bad requests are closed and garbage is collected: back to the starting range.
    let after = await processFigures();
    await waitUntil(
      'handles and heap back in range',
      async () => {
        after = await processFigures();
        return (
          after.handles <= before.handles + 3 &&
          after.heap <= Math.max(before.heap * 2, before.heap + 64 * 2 ** 20)
        );
      },
      15_000,
      500,
    );
    console.log(
      `bad-input generated: ${runs} requests, statuses ${JSON.stringify(statuses)}; ` +
        `heap ${(before.heap / 2 ** 20).toFixed(1)} → ${(after.heap / 2 ** 20).toFixed(1)} MiB, ` +
        `handles ${before.handles} → ${after.handles}`,
    );
    expect(runs).toBeGreaterThanOrEqual(50);
  }, 90_000);

  describe('attacks on access (issue 14)', () => {
    const send = (bytes: Buffer | string, client: string) =>
      rawRequest(port, bytes, { localAddress: client });
    const items = (headers: Record<string, string>, client: string) =>
      send(rawHttp('GET', '/items', headers), client);
    const forge = (key: string) => `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
    const headerOf = (reply: RawReply, name: string) =>
      new RegExp(`^${name}: *(.*)$`, 'im').exec(reply.head)?.[1]?.trim();
    const auditLines = (from: number, client: string) =>
      demo
        .output()
        .slice(from)
        .split('\n')
        .filter((line) => line.includes('"context":"Audit"') && line.includes(client));

    it('finding 1: wrong secrets sent with a key id never lock its owner out, and the guesser learns nothing', async () => {
      const guesser = '127.0.0.31';
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await items(withKey(forge(keys.reader)), guesser)).status);
      const wrong = await items(withKey(forge(keys.reader)), guesser);
      const right = await items(withKey(keys.reader), guesser);
      console.log(
        `finding 1: guesser ${statuses.join(',')}; then wrong ${wrong.status}, right ${right.status}`,
      );
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect([wrong.status, right.status]).toEqual([429, 429]);
      expect(right.body).toBe(wrong.body);
      expect(headerOf(right, 'retry-after')).toBe(headerOf(wrong, 'retry-after'));
      // The owner, from anywhere else, is served.
      for (const owner of ['127.0.0.32', '127.0.0.33']) {
        expect((await items(withKey(keys.reader), owner)).status).toBe(200);
      }
    }, 30_000);

    it('finding 2: bad keys and anonymous requests from a shared address refuse no valid key, and are not logged one by one', async () => {
      const shared = '127.0.0.41';
      const quiet = demo.output().length;
      const statuses: Record<number, number> = {};
      for (let i = 0; i < 40; i++) {
        const reply = await items(i % 2 ? {} : withKey(`stw_${'Z'.repeat(44)}`), shared);
        statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      }
      const valid = await items(withKey(keys.reader), shared);
      await sleep(1_500); // the audit trail writes within its flush interval
      const lines = auditLines(quiet, shared);
      console.log(
        `finding 2: 40 bad requests from one address → ${JSON.stringify(statuses)}; ` +
          `a valid key from it → ${valid.status}; audit log lines ${lines.length}`,
      );
      expect(valid.status).toBe(200);
      expect(statuses[429]).toBeGreaterThan(0);
      // The bad keys up to the throttle, one line when it starts; none for anonymous requests.
      expect(lines.length).toBeLessThanOrEqual(12);
      expect(lines.filter((l) => l.includes('missing-credentials'))).toEqual([]);
    }, 30_000);

    it('finding 7: two Authorization headers answer 400 (Node keeps only the first)', async () => {
      const raw =
        `GET /items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
        `Authorization: ApiKey ${keys.reader}\r\nAuthorization: ApiKey ${keys.admin}\r\n\r\n`;
      const reply = await send(raw, '127.0.0.51');
      const split = await send(
        rawHttp('GET', '/items', { 'X-API-Key': keys.reader, 'x-api-key': keys.admin }),
        '127.0.0.51',
      );
      console.log(`finding 7: two Authorization → ${reply.status}; two X-API-Key → ${split.status}`);
      expect([reply.status, split.status]).toEqual([400, 400]);
      expect(headerOf(reply, 'content-type')).toMatch(/^application\/problem\+json/);
      expectClean(reply, 'two Authorization headers');
    }, 30_000);

    it('finding 8: public readiness says up or down without the pool figures; no X-Powered-By', async () => {
      const ready = await send(rawHttp('GET', '/health/ready'), '127.0.0.61');
      const pools = await send(rawHttp('GET', '/admin/pools', withKey(keys.admin)), '127.0.0.61');
      console.log(`finding 8: /health/ready ${ready.status} ${ready.body.slice(0, 160)}`);
      expect(ready.status).toBe(200);
      expect(ready.body).toContain('"pool:db"');
      expect(ready.body).not.toMatch(/stats|idle|borrowed|waiting|size|Total/);
      expect(pools.body).toMatch(/idle/); // the figures, behind pool:list
      for (const reply of [ready, pools]) expect(headerOf(reply, 'x-powered-by')).toBeUndefined();
    }, 30_000);

    it('finding 12: every error the demo answers is problem+json', async () => {
      const json = { 'Content-Type': 'application/json' };
      const cases: [string, Buffer, number][] = [
        ['unknown route', rawHttp('GET', '/nope', withKey(keys.admin)), 404],
        ['validation', rawHttp('POST', '/items', { ...withKey(keys.admin), ...json }, '{"name": 42}'), 400],
        ['malformed JSON', rawHttp('POST', '/items', { ...withKey(keys.admin), ...json }, '{"name":'), 400],
        ['non-numeric id', rawHttp('GET', '/items/abc', withKey(keys.reader)), 400],
        ['no credentials', rawHttp('GET', '/items'), 401],
        ['no right', rawHttp('GET', '/items', withKey(keys.metrics)), 403],
        ['key in the query', rawHttp('GET', `/items?api_key=x`), 400],
      ];
      const seen: string[] = [];
      for (const [what, bytes, status] of cases) {
        const reply = await send(bytes, '127.0.0.71');
        seen.push(`${what}=${reply.status} ${headerOf(reply, 'content-type')}`);
        expect({ what, status: reply.status }).toEqual({ what, status });
        expect({ what, type: headerOf(reply, 'content-type') }).toEqual({
          what,
          type: expect.stringMatching(/^application\/problem\+json/),
        });
        expect(JSON.parse(reply.body)).toMatchObject({
          type: expect.any(String),
          title: expect.any(String),
          status,
        });
      }
      console.log(`finding 12: ${seen.join('; ')}`);
    }, 30_000);
  });
});
