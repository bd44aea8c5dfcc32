// `npm run bench:http`: the same GET route and policy several ways in one run, under autocannon with 100
// connections: bare handler; a guard returning true (what Nest charges for any guard); behind AccessGuard
// with an API key; behind the stack people use today (@nestjs/passport + passport-headerapikey, then a
// CASL ability guard); and SQLite behind AccessGuard, directly and through pool.use (the pool's cost).
// Targets: AccessGuard keeps at least 85 % of the bare route's requests per second, and is ahead of
// passport + CASL.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

const CONNECTIONS = 100;
const ROUND_S = Number(process.env.BENCH_HTTP_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 7);

interface Ready {
  barePort: number;
  guardedPort: number;
  passportPort: number;
  key: string;
}

interface Route {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

function load(route: Route, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url: route.url, connections: CONNECTIONS, duration: seconds, headers: route.headers });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export async function run(): Promise<void> {
  const server = fork(resolve(import.meta.dirname, 'http-server.js'), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [ready] = (await once(server, 'message')) as [Ready];
    const auth = { 'x-api-key': ready.key };
    const routes: Route[] = [
      { name: 'bare handler', url: `http://127.0.0.1:${ready.barePort}/item` },
      { name: 'a guard returning true', url: `http://127.0.0.1:${ready.barePort}/item-allow-all` },
      { name: 'AccessGuard (API key)', url: `http://127.0.0.1:${ready.guardedPort}/item`, headers: auth },
      {
        name: 'passport-headerapikey + CASL',
        url: `http://127.0.0.1:${ready.passportPort}/item`,
        headers: auth,
      },
      {
        name: 'AccessGuard + SQLite, no pool',
        url: `http://127.0.0.1:${ready.guardedPort}/item-db-direct`,
        headers: auth,
      },
      {
        name: 'AccessGuard + pool.use (SQLite)',
        url: `http://127.0.0.1:${ready.guardedPort}/item-db`,
        headers: auth,
      },
    ];
    // Warm-up: JIT, pool and caches in steady state before anything is measured.
    for (const route of routes) await load(route, 1);
    // Rounds alternate the routes, so a slow spell of a shared machine hits every route alike, and
    // rotate their order, so no route always follows the one that allocates most; each route's ratio
    // to the bare route is taken within its round, and the median round is reported.
    const rps = routes.map(() => [] as number[]);
    const p99 = routes.map(() => [] as number[]);
    const failures = routes.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      for (let step = 0; step < routes.length; step++) {
        const i = (round + step) % routes.length;
        const route = routes[i]!;
        const result = await load(route, ROUND_S);
        rps[i]!.push(result.requests.average);
        p99[i]!.push(result.latency.p99);
        failures[i]! += result.non2xx + result.errors;
      }
    }
    const ratios = routes.map((_, i) => median(rps[i]!.map((value, round) => value / rps[0]![round]!)));
    console.log(
      `\nHTTP, autocannon ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${ROUND_S} s per route (medians)`,
    );
    console.log('route                              req/s      p99 ms   non-2xx   vs bare');
    for (const [i, route] of routes.entries()) {
      console.log(
        `${route.name.padEnd(34)} ${median(rps[i]!).toFixed(0).padStart(7)}  ${String(median(p99[i]!)).padStart(8)}  ${String(failures[i]).padStart(8)}   ${(ratios[i]! * 100).toFixed(1)} %`,
      );
    }
    const guarded = ratios[2]!;
    const passport = ratios[3]!;
    const ahead = median(rps[2]!.map((value, round) => value / rps[3]![round]!));
    console.log(
      `target: AccessGuard >= 85 % of bare -> ${guarded >= 0.85 ? 'met' : 'NOT met'} (${(guarded * 100).toFixed(1)} %; per round: ${rps[2]!.map((v, r) => ((100 * v) / rps[0]![r]!).toFixed(0) + ' %').join(', ')})`,
    );
    console.log(
      `target: AccessGuard ahead of passport + CASL -> ${ahead > 1 ? 'met' : 'NOT met'} (${(ahead * 100).toFixed(1)} % of its req/s per round, median; passport + CASL ${(passport * 100).toFixed(1)} % of bare)`,
    );
    const poolCost = median(rps[4]!.map((value, round) => value / rps[5]![round]!));
    console.log(
      `pool.use vs the same query without a pool: the direct route serves ${(poolCost * 100).toFixed(1)} % of the pooled route's req/s`,
    );
  } finally {
    server.disconnect();
    await once(server, 'exit');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
