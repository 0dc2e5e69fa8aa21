import { chunked, inList, placeholders } from './sql';

describe('sql helpers', () => {
  it('inList numbers the placeholders of a list after an offset', () => {
    expect(inList(3)).toBe('$1, $2, $3');
    expect(inList(2, 4)).toBe('$5, $6');
    expect(inList(0)).toBe('');
  });

  it('placeholders is one row of values', () => {
    expect(placeholders(4, 4)).toBe('($5, $6, $7, $8)');
  });

  it('chunked slices a list (none for an empty one)', () => {
    expect(chunked([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunked([], 2)).toEqual([]);
    expect(chunked(Array.from({ length: 1001 }, (_, i) => i)).map((c) => c.length)).toEqual([1000, 1]);
  });
});
