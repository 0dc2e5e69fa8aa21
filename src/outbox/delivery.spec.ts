import { describeError, MAX_ERROR_LENGTH, retryDelayMs } from './delivery';

describe('retryDelayMs', () => {
  const schedule = [10_000, 60_000, 300_000];

  it('follows the schedule, ±20 % jitter', () => {
    expect(retryDelayMs(schedule, 1, () => 0.5)).toBe(10_000);
    expect(retryDelayMs(schedule, 1, () => 0)).toBe(8_000);
    expect(retryDelayMs(schedule, 1, () => 0.999999)).toBe(12_000);
    expect(retryDelayMs(schedule, 3, () => 0.5)).toBe(300_000);
  });

  it('spreads delays with the default random source', () => {
    const seen = new Set(Array.from({ length: 50 }, () => retryDelayMs(schedule, 2)));
    expect(seen.size).toBeGreaterThan(10);
    for (const d of seen) {
      expect(d).toBeGreaterThanOrEqual(48_000);
      expect(d).toBeLessThanOrEqual(72_000);
    }
  });

  it('has no retry after the last attempt: n delays allow n + 1 attempts', () => {
    expect(retryDelayMs(schedule, 4)).toBeUndefined();
    expect(retryDelayMs(schedule, 0)).toBeUndefined();
    expect(retryDelayMs([], 1)).toBeUndefined();
  });
});

describe('describeError', () => {
  it('keeps the message and the error code', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { code: 'ESOCKET' });
    expect(describeError(error)).toBe('ESOCKET: connect ECONNREFUSED 127.0.0.1:2525');
    const auth = Object.assign(new Error('Invalid login: 535 Authentication failed'), { code: 'EAUTH' });
    expect(describeError(auth)).toBe('EAUTH: Invalid login: 535 Authentication failed');
  });

  it('removes secrets, links, tokens and control characters', () => {
    const token = 'Yx3k9Qm2Lr8Vt5Wn1Zp7Hs4Jd6Fb0Gc_-aBcDeF';
    const error = new Error(
      `rejected\r\n550 bad content http://localhost:3000/account/reset-password?email=a%40b.c&token=${token} from mailer:s3cret-pass ${token}`,
    );
    const text = describeError(error, ['s3cret-pass', undefined, '']);
    expect(text).toBe('rejected 550 bad content [url] from mailer:[redacted] [redacted]');
    expect(describeError(new Error('smtp://user:pw@mail.example.com:587 refused'))).toBe('[url] refused');
  });

  it('describes anything thrown, cut to a bounded length', () => {
    expect(describeError('plain string')).toBe('plain string');
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError(new Error(''))).toBe('Error');
    const long = describeError(new Error('x '.repeat(1000)));
    expect(long).toHaveLength(MAX_ERROR_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});
