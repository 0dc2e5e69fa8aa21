import { timeOrderedId } from './audit-id';

describe('timeOrderedId', () => {
  it('is a UUIDv7 whose first 48 bits are the time, so ids sort by time', () => {
    const id = timeOrderedId(0x0190_1234_5678);
    expect(id).toMatch(/^01901234-5678-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ids = [timeOrderedId(1000), timeOrderedId(2000), timeOrderedId(1_795_987_043_000)];
    expect([...ids].sort()).toEqual(ids);
    expect(timeOrderedId(5)).not.toBe(timeOrderedId(5));
  });
});
