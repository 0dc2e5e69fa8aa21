import { createHmac } from 'node:crypto';
import { newSecret, sign, verify } from './webhook-signature';

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

  it('makes whsec_ secrets of 32 random bytes', () => {
    const secret = newSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret()).not.toBe(secret);
  });
});
