import { timeOrderedId } from './time-ordered-id';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisecondsOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
const sorted = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('timeOrderedId', () => {
  it('is a version 7 UUID carrying the time in milliseconds', () => {
    const at = Date.UTC(2026, 10, 29, 12, 0, 0, 123);
    const id = timeOrderedId(at + 60_000);
    expect(id).toMatch(UUID_V7);
    expect(millisecondsOf(id)).toBe(at + 60_000);
  });

  it('increases strictly in code-unit order, within a millisecond and across them', () => {
    const ids = [timeOrderedId()];
    for (let i = 0; i < 5000; i++) ids.push(timeOrderedId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(sorted(ids)).toEqual(ids);
  });

  it('keeps increasing when the clock goes back, and carries into the next millisecond when a millisecond is full', () => {
    const at = Date.now() + 3_600_000;
    const ids = [timeOrderedId(at)];
    for (let i = 0; i < 5000; i++) ids.push(timeOrderedId(at - 1000)); // the clock went back a second
    expect(sorted(ids)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // 4,096 ids fit in one millisecond: 5,001 spill into the next one or two
    expect(millisecondsOf(ids.at(-1)!)).toBeGreaterThan(at);
    expect(millisecondsOf(ids.at(-1)!)).toBeLessThanOrEqual(at + 2);
  });

  it('differs in its random bits between ids of the same millisecond', () => {
    const at = Date.now() + 7_200_000;
    const tails = new Set(Array.from({ length: 100 }, () => timeOrderedId(at).slice(19)));
    expect(tails.size).toBe(100);
  });
});
