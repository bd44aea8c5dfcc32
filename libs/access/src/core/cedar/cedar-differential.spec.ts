import fc from 'fast-check';
import { cedarCase, referenceOutcomes, stewardOutcomes } from '../../../../../bench/support/cedar-cases.js';

// The proof that Steward's compiled evaluator decides as Cedar does: random entity stores, policy sets
// and requests (bench/support/cedar-cases.ts), each decided by cedar-wasm's isAuthorized and by
// Steward; decision, determining policies and erroring policies must be equal on every case.
// `node dist/bench/cedar-differential.js` runs the same property on 1,000,000 cases.

const SEED = 0x15ced4;

describe('Cedar differential: Steward vs cedar-wasm isAuthorized', () => {
  it('agrees on 10,000 random cases (decision, determining and erroring policies)', () => {
    fc.assert(
      fc.property(cedarCase, (c) => {
        expect(stewardOutcomes(c)).toEqual(referenceOutcomes(c));
      }),
      { numRuns: 10_000, seed: SEED },
    );
  });
});
