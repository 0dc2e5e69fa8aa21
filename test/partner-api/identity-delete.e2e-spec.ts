import { PartnerApp, partnerCalls, startPartnerApp } from '../helpers/partner';
import { TestApp } from '../helpers/test-app';

describe('DELETE /identity', () => {
  let t: TestApp;
  let app: PartnerApp;
  const { send, upsert } = partnerCalls(() => app);

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t } = app);
  });
  afterAll(() => t.close());

  it('removes one identifier but never the sole one', async () => {
    await upsert([{ identifiers: { email: 'two-ids@example.com', phone_number: '+6598765432' } }]);
    const ok = await send('delete', '/identity', { identifiers: { phone_number: '+6598765432' } });
    expect([ok.status, ok.body]).toEqual([200, {}]);
    const sole = await send('delete', '/identity', { identifiers: { email: 'two-ids@example.com' } });
    expect([sole.status, sole.body]).toEqual([
      400,
      { error: 'you cannot delete the sole identifier specified for a user: bad request' },
    ]);
    const missing = await send('delete', '/identity', { identifiers: { email: 'none@example.com' } });
    expect([missing.status, missing.body]).toEqual([404, { error: 'no such user for these identifiers: no data' }]);
  });

  it('keeps one identifier when the last two are deleted at once', async () => {
    for (let round = 0; round < 5; round++) {
      const ids = { uuid: `pair-${round}`, email: `pair-${round}@example.com` };
      await upsert([{ identifiers: ids }]);
      const results = await Promise.all([
        send('delete', '/identity', { identifiers: { uuid: ids.uuid } }),
        send('delete', '/identity', { identifiers: { email: ids.email } }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(results.find((r) => r.status === 400)!.body).toEqual({
        error: 'you cannot delete the sole identifier specified for a user: bad request',
      });
    }
  });

  it('refuses a delete that names no identifier, or two', async () => {
    const two = await send('delete', '/identity', { identifiers: { uuid: 'a', email: 'a@example.com' } });
    expect([two.status, two.body]).toEqual([
      400,
      { error: 'there must be exactly 1 identifier to delete: bad request' },
    ]);
    const none = await send('delete', '/identity', {});
    expect([none.status, none.body]).toEqual([400, { error: 'identifiers must be an object: bad request' }]);
  });
});
