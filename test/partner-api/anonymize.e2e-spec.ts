import { Scope } from '../../src/auth/permissions';
import { seedApiToken } from '../helpers/factories';
import { PartnerApp, partnerCalls, startPartnerApp } from '../helpers/partner';
import { startTestApp, TestApp } from '../helpers/test-app';

const NO_SUCH_USER = { error: 'no such user for these identifiers: no data' };

describe('POST /anonymize (Delete User’s PII Data)', () => {
  let t: TestApp;
  let app: PartnerApp;
  const { send, upsert, profile } = partnerCalls(() => app);

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t } = app);
  });
  afterAll(() => t.close());

  /** A profile with every kind of attribute, identifiers of three types, and an event. */
  async function person(uuid: string, email: string, phone: string) {
    const res = await upsert([
      {
        identifiers: { uuid, email, phone_number: phone },
        attributes: {
          name: 'Jane',
          surname: 'Doe',
          gender: 'female',
          birthday: '1990-05-17T00:00:00Z',
          age: 34,
          city: 'Helsinki',
          country: 'FI',
          email: email,
          phone_number: phone,
          uuid,
          language: 'fi_FI',
          lo: 'fi_FI',
          email_optin: true,
          gdpr_optin: true,
          list_id: [1, 2],
          custom: { loyalty_tier: 'gold' },
        },
        events: [{ event_name: 'session_start', timestamp: '2024-05-17T10:00:00Z' }],
      },
    ]);
    expect(res.body.data).toEqual({ successful: { count: 1 }, fail: {} });
  }

  const everything = (identifiers: Record<string, unknown>) =>
    profile({ identifiers, attributes: ['*'], events: { start_date: 0, end_date: 2_000_000_000 } });

  it('deletes the personal attributes and keeps the profile, its identifiers, its other attributes and events', async () => {
    await person('anon-1', 'anon-1@example.com', '+6598760001');
    const before = await everything({ uuid: 'anon-1' });
    const res = await send('post', '/anonymize', { identifiers: { email: 'ANON-1@example.com' } });
    expect([res.status, res.body]).toEqual([200, {}]);
    const after = await everything({ uuid: 'anon-1' });
    expect(after.status).toBe(200);
    expect(after.body.iid).toBe(before.body.iid);
    expect(after.body.identifiers).toEqual(before.body.identifiers);
    // what stays: consent, language and locale, lists, custom attributes; email, phone_number and uuid are
    // answered from the identifiers now that the contact attributes are gone
    expect(after.body.attributes).toEqual({
      language: 'fi_FI',
      lo: 'fi_FI',
      email_optin: true,
      gdpr_optin: true,
      list_id: [1, 2],
      c_loyalty_tier: 'gold',
      ...before.body.identifiers,
      iid: before.body.iid,
    });
    expect(after.body.events).toEqual(before.body.events);
    expect(after.body.events.session_start).toHaveLength(1);
  });

  it('takes insider_id, and answers again after anonymizing (nothing left to delete is no error)', async () => {
    await person('anon-2', 'anon-2@example.com', '+6598760002');
    const iid = (await profile({ identifiers: { uuid: 'anon-2' }, attributes: ['name'] })).body.iid;
    for (let i = 0; i < 2; i++) {
      const res = await send('post', '/anonymize', { insider_id: iid });
      expect([res.status, res.body]).toEqual([200, {}]);
    }
    const after = await profile({ insider_id: iid, attributes: ['name', 'surname', 'birthday', 'city'] });
    expect(after.body.attributes).toEqual({ iid });
  });

  it("answers Insider's 404 for an unknown user and 400 without identifiers, changing nothing", async () => {
    expect(await send('post', '/anonymize', { identifiers: { email: 'nobody@example.com' } })).toMatchObject({
      status: 404,
      body: NO_SUCH_USER,
    });
    expect(await send('post', '/anonymize', { insider_id: '00000000-0000-0000-0000-000000000000' })).toMatchObject({
      status: 404,
      body: NO_SUCH_USER,
    });
    expect(await send('post', '/anonymize', {})).toMatchObject({
      status: 400,
      body: { error: 'either insider_id or identifiers must be specified: bad request' },
    });
    expect(await send('post', '/anonymize', { identifiers: { user_loyalty_id: 'x' } })).toMatchObject({
      status: 400,
      body: { error: 'no valid identifier: bad request' },
    });
  });

  it('needs the partner name and a token with identities:write', async () => {
    const readOnly = (await seedApiToken(t, [Scope.IdentitiesRead])).token;
    const denied = await send('post', '/anonymize', { identifiers: { uuid: 'x' } }, { 'X-REQUEST-TOKEN': readOnly });
    expect([denied.status, denied.body]).toEqual([
      403,
      { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
    ]);
    const partner = await send('post', '/anonymize', { identifiers: { uuid: 'x' } }, { 'X-PARTNER-NAME': 'other' });
    expect([partner.status, partner.body]).toEqual([400, { success: false, message: 'Partner is invalid.' }]);
  });
});

describe('POST /anonymize rate limit', () => {
  it('has its own family (RATE_LIMIT_PARTNER_ANONYMIZE, 500 a minute by default)', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_PARTNER_ANONYMIZE: '2' } });
    try {
      expect(t.config.rateLimits.partnerAnonymize).toEqual({ limit: 2, ttlMs: 60_000 });
      const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
      const headers = { 'X-PARTNER-NAME': 'default', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
      const anonymize = () =>
        t.rest('post', '/api/user/v1/anonymize', { body: { identifiers: { uuid: 'nobody' } }, headers });
      expect((await anonymize()).status).toBe(404);
      expect((await anonymize()).status).toBe(404);
      const third = await anonymize();
      expect([third.status, third.body]).toEqual([429, { error: 'rejected: too many requests' }]);
      expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const deleted = await t.rest('post', '/api/user/v1/delete', {
        body: { identifiers: { uuid: 'nobody' } },
        headers,
      });
      expect(deleted.status).toBe(404); // another family: still answered
    } finally {
      await t.close();
    }
  });
});
