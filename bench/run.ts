/**
 * `npm run bench` entry: runs every benchmark in this list, or only the one named on the command line
 * (`node dist/bench/run.js pool-throughput`). To add a benchmark, add one line below.
 */
const benches: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  'pool-throughput': () => import('./pool-throughput.bench.js'),
  'pool-waiters': () => import('./pool-waiters.bench.js'),
  'pool-resize': () => import('./pool-resize.bench.js'),
  adaptive: () => import('./adaptive.bench.js'),
  'pool-pg-adaptive': () => import('./pool-pg-adaptive.bench.js'),
  'pool-budget': () => import('./pool-budget.bench.js'),
  'pg-pool': () => import('./pg-pool.bench.js'),
  cedar: () => import('./cedar.bench.js'),
  http: () => import('./http.bench.js'),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in benches));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  for (const [name, load] of Object.entries(benches)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    console.log(`\n=== ${name}`);
    try {
      await (await load()).run();
    } catch (error) {
      // One broken benchmark (e.g. no database) must not hide the others' results.
      console.error(`${name} failed:`, error);
      process.exitCode = 1;
    }
  }
}

await main();
