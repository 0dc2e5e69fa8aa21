import { chunked, inList, placeholders, preparedText, SHAPED_MAX } from './sql';

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

  it('preparedText names a text after its hash, the same each time, and stops naming past SHAPED_MAX texts', () => {
    const a = preparedText('user-update', 'UPDATE users SET "name" = $2 WHERE id = $1');
    expect(a).toEqual({ name: expect.stringMatching(/^ih_user-update_[0-9a-f]{16}$/), text: expect.any(String) });
    expect(preparedText('user-update', 'UPDATE users SET "name" = $2 WHERE id = $1')).toBe(a);
    const b = preparedText('user-update', 'UPDATE users SET "phone" = $2 WHERE id = $1');
    expect(typeof b === 'object' && b.name).not.toBe(typeof a === 'object' && a.name);
    for (let i = 2; i < SHAPED_MAX; i++) {
      expect(typeof preparedText('probe', `SELECT ${i}`)).toBe('object');
    }
    expect(preparedText('probe', 'SELECT -1')).toBe('SELECT -1');
    expect(preparedText('user-update', 'UPDATE users SET "name" = $2 WHERE id = $1')).toBe(a); // known texts stay named
  });
});
