// The differential test at scale: `npm run build && node dist/bench/cedar-differential.js [cases] [seed]`
// (default 1,000,000 cases, seed 0x15ced4). Each case is a random entity store, policy set and one to
// three requests (bench/support/cedar-cases.ts), decided by cedar-wasm's isAuthorized and by Steward's
// compiled evaluator; the run stops at the first disagreement and prints the shrunk counterexample.
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { cedarCase, referenceOutcomes, stewardOutcomes, type Outcome } from './support/cedar-cases.js';

const same = (a: readonly Outcome[], b: readonly Outcome[]): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** Runs `cases` cases from `seed`; resolves with what was checked. */
export async function run(cases = 1_000_000, seed = 0x15ced4): Promise<void> {
  const started = performance.now();
  let done = 0;
  let decisions = 0;
  const tally: Record<string, number> = {};
  const result = fc.check(
    fc.property(cedarCase, (c) => {
      const reference = referenceOutcomes(c);
      const steward = stewardOutcomes(c);
      done++;
      decisions += reference.length;
      for (const o of reference) {
        const key = `${o.decision}${o.determining.length > 0 ? '+determining' : ''}${o.errors.length > 0 ? '+errors' : ''}`;
        tally[key] = (tally[key] ?? 0) + 1;
      }
      if (done % 50_000 === 0) {
        console.log(
          `${done} cases, ${decisions} decisions, ${((performance.now() - started) / 1000).toFixed(0)} s`,
        );
      }
      return same(steward, reference);
    }),
    { numRuns: cases, seed },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (result.failed) {
    console.error(fc.defaultReportMessage(result));
    process.exitCode = 1;
    return;
  }
  console.log(
    `cedar-differential: ${cases} cases (seed ${seed}), ${decisions} decisions, all equal, ${seconds} s`,
  );
  console.log(`  outcomes: ${JSON.stringify(tally)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [cases, seed] = process.argv.slice(2).map(Number);
  await run(cases || undefined, seed || undefined);
}
