import { LastUsedBatch } from './last-used';

describe('LastUsedBatch', () => {
  const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s));

  it('keeps the latest use of each id until taken, then starts again empty', () => {
    const batch = new LastUsedBatch('sessions');
    batch.touch('a', at(1));
    batch.touch('b', at(2));
    batch.touch('a', at(3));
    expect(batch.size).toBe(2);
    expect([...batch.take()]).toEqual([
      ['a', at(3)],
      ['b', at(2)],
    ]);
    expect(batch.size).toBe(0);
  });

  it('puts back what a failed write took, unless a newer use was recorded since', () => {
    const batch = new LastUsedBatch('api_tokens');
    batch.touch('a', at(1));
    batch.touch('b', at(1));
    const taken = batch.take();
    batch.touch('a', at(5)); // used again while the write failed
    batch.restore(taken);
    expect([...batch.take()].sort()).toEqual([
      ['a', at(5)],
      ['b', at(1)],
    ]);
  });
});
