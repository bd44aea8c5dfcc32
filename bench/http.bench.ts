// `npm run bench:http`: the same GET route three ways in one run — bare handler, behind AccessGuard with
// an API key, and AccessGuard + pool.use on SQLite — under autocannon with 100 connections.
// Target: the guarded route keeps at least 90 % of the bare route's requests per second. A fourth row, a
// guard that returns true, shows what Nest itself charges for running any guard.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

const CONNECTIONS = 100;
const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 8);

interface Ready {
  barePort: number;
  guardedPort: number;
  key: string;
}

async function load(url: string, headers: Record<string, string> = {}): Promise<autocannon.Result> {
  // A short warm-up so the JIT and the pool are in steady state before the measured run.
  await autocannon({ url, connections: CONNECTIONS, duration: 1, headers });
  return autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
}

export async function run(): Promise<void> {
  const server = fork(resolve(import.meta.dirname, 'http-server.js'), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [ready] = (await once(server, 'message')) as [Ready];
    const auth = { 'x-api-key': ready.key };
    const rows = [
      { route: 'bare handler', result: await load(`http://127.0.0.1:${ready.barePort}/item`) },
      {
        route: 'a guard returning true',
        result: await load(`http://127.0.0.1:${ready.barePort}/item-allow-all`),
      },
      {
        route: 'AccessGuard (API key)',
        result: await load(`http://127.0.0.1:${ready.guardedPort}/item`, auth),
      },
      {
        route: 'AccessGuard + pool.use (SQLite)',
        result: await load(`http://127.0.0.1:${ready.guardedPort}/item-db`, auth),
      },
    ];
    const base = rows[0]!.result.requests.average;
    console.log(`\nHTTP, autocannon ${CONNECTIONS} connections, ${DURATION_S} s per route`);
    console.log('route                              req/s      p99 ms   non-2xx   vs bare');
    for (const { route, result } of rows) {
      const ratio = result.requests.average / base;
      console.log(
        `${route.padEnd(34)} ${result.requests.average.toFixed(0).padStart(7)}  ${String(result.latency.p99).padStart(8)}  ${String(result.non2xx + result.errors).padStart(8)}   ${(ratio * 100).toFixed(1)} %`,
      );
    }
    const guardedRatio = rows[2]!.result.requests.average / base;
    console.log(
      `target: guarded >= 90 % of bare -> ${guardedRatio >= 0.9 ? 'met' : 'NOT met'} (${(guardedRatio * 100).toFixed(1)} %)`,
    );
  } finally {
    server.disconnect();
    await once(server, 'exit');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
