import { CedarRecord, CedarSet, EntityUid, valueEquals, type CedarValue } from './cedar-value.js';

describe('CedarSet', () => {
  const big = (extra: readonly CedarValue[]) =>
    new CedarSet([...Array.from({ length: 40 }, (_, i) => `s${i}`), ...extra]);

  it('finds strings, Longs, bools and entities by value in a large set, and keeps their kinds apart', () => {
    const set = big([7, true, new EntityUid('User', 'ann'), 'User\u0000bob']);
    expect(set.has('s39')).toBe(true);
    expect(set.has(7)).toBe(true);
    expect(set.has('7')).toBe(false);
    expect(set.has(true)).toBe(true);
    expect(set.has(new EntityUid('User', 'ann'))).toBe(true);
    expect(set.has(new EntityUid('Group', 'ann'))).toBe(false);
    // A string that looks like an entity's key is not that entity, and the other way round.
    expect(set.has(new EntityUid('User', 'bob'))).toBe(false);
    expect(set.has('User\u0000ann')).toBe(false);
    // Records are compared by value, past the lookup table.
    const withRecord = new CedarSet([...set.items, new CedarRecord(new Map([['a', 1]]))]);
    expect(withRecord.has(new CedarRecord(new Map([['a', 1]])))).toBe(true);
  });

  it('compares two large sets as sets: order and repeats do not matter', () => {
    const items = Array.from({ length: 5_000 }, (_, i) => `x${i}`);
    const a = new CedarSet(items);
    const b = new CedarSet([...items].reverse().concat(['x0']));
    expect(valueEquals(a, b)).toBe(true);
    expect(valueEquals(a, new CedarSet([...items.slice(1), 'y']))).toBe(false);
  });
});
