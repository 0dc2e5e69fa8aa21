import { createHmac } from 'node:crypto';
import { newSecret, sign, signatures, signingSecrets, verify } from './webhook-signature';

describe('Standard Webhooks signature', () => {
  it('is v1, and the base64 HMAC-SHA256 of id.timestamp.body with the decoded secret', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const timestamp = 1614265330;
    const body = '{"test": 2432232314}';
    // the example of the Standard Webhooks specification
    expect(sign(secret, id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    const independent = createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
      .update(`${id}.${timestamp}.${body}`)
      .digest('base64');
    expect(sign(secret, id, timestamp, body)).toBe(`v1,${independent}`);
    expect(verify(secret, id, timestamp, body, `v1,bogus v1,${independent}`)).toBe(true);
    expect(verify(secret, id, timestamp, `${body} `, `v1,${independent}`)).toBe(false);
  });

  it('signs with several secrets as space-separated signatures, each verifying with its own secret', () => {
    const [current, previous] = [newSecret(), newSecret()];
    const header = signatures([current, previous], 'msg_1', 1614265330, '{}');
    expect(header).toBe(`${sign(current, 'msg_1', 1614265330, '{}')} ${sign(previous, 'msg_1', 1614265330, '{}')}`);
    expect(verify(current, 'msg_1', 1614265330, '{}', header)).toBe(true);
    expect(verify(previous, 'msg_1', 1614265330, '{}', header)).toBe(true);
    expect(verify(newSecret(), 'msg_1', 1614265330, '{}', header)).toBe(false);
  });

  it('signs with the previous secret too until its overlap ends', () => {
    const now = new Date('2026-11-30T00:00:00Z');
    const endpoint = (expires: string | null, previousSecret: string | null = 'whsec_b') => ({
      secret: 'whsec_a',
      previousSecret,
      previousSecretExpiresAt: expires ? new Date(expires) : null,
    });
    expect(signingSecrets(endpoint('2026-11-30T00:00:01Z'), now)).toEqual(['whsec_a', 'whsec_b']);
    expect(signingSecrets(endpoint('2026-11-30T00:00:00Z'), now)).toEqual(['whsec_a']);
    expect(signingSecrets(endpoint('2026-11-29T23:00:00Z'), now)).toEqual(['whsec_a']);
    expect(signingSecrets(endpoint(null), now)).toEqual(['whsec_a']);
    expect(signingSecrets(endpoint('2026-11-30T01:00:00Z', null), now)).toEqual(['whsec_a']);
  });

  it('makes whsec_ secrets of 32 random bytes', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret()).not.toBe(secret);
  });
});
