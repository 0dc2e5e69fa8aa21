import { Permission, Scope } from '../../src/auth/permissions';
import { seedApiToken, seedUser } from '../helpers/factories';
import { PARTNER_BASE, PartnerApp, partnerCalls, startPartnerApp } from '../helpers/partner';
import { TestApp } from '../helpers/test-app';

describe("the partner API's headers and common errors", () => {
  let t: TestApp;
  let headers: Record<string, string>;
  let app: PartnerApp;
  const { send } = partnerCalls(() => app);

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t, headers } = app);
  });
  afterAll(() => t.close());

  const body = { old_identifier: { email: 'x@example.com' }, new_identifier: { email: 'y@example.com' } };
  it.each([
    ['a missing partner name', { 'X-PARTNER-NAME': '' }],
    ['a wrong partner name', { 'X-PARTNER-NAME': 'otherbrand' }],
    ['an uppercase partner name', { 'X-PARTNER-NAME': 'MyBrand' }],
  ])('refuses %s with 400 Partner is invalid.', async (_c, extra) => {
    const res = await send('patch', '/identity', body, extra);
    expect([res.status, res.body]).toEqual([400, { success: false, message: 'Partner is invalid.' }]);
  });

  it.each([
    ['a missing token', async () => ''],
    ['a wrong token', async () => 'f'.repeat(64)],
    ['a token without identities:write', async (t: TestApp) => (await seedApiToken(t, [Scope.IdentitiesRead])).token],
    [
      'a revoked token',
      async (t: TestApp) => {
        const { token: revoked, row } = await seedApiToken(t, [Scope.IdentitiesWrite]);
        const admin = (await seedUser(t, { permissions: [Permission.CanManageApiTokens] })).token;
        await t.gql(`mutation { revokeApiToken(id: "${row.id}") { id } }`, {}, admin);
        return revoked;
      },
    ],
  ])('refuses %s with 403 Access Denied', async (_c, make) => {
    const value = await make(t);
    const h: Record<string, string> = { 'X-PARTNER-NAME': 'mybrand', 'Content-Type': 'application/json' };
    if (value) h['X-REQUEST-TOKEN'] = value;
    const res = await t.rest('patch', `${PARTNER_BASE}/identity`, { body, headers: h });
    expect([res.status, res.body]).toEqual([
      403,
      { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
    ]);
  });

  it('refuses a body over 5,000,000 bytes before parsing it', async () => {
    const res = await t.rest('post', `${PARTNER_BASE}/upsert`, {
      headers,
      raw: `{"users":[{"identifiers":{"email":"big@example.com"},"attributes":{"custom":{"blob":"${'x'.repeat(5_000_001)}"}}}]}`,
    });
    expect([res.status, res.body]).toEqual([
      400,
      { error: 'request body is bigger than maximum allowed size 5,000,000 bytes' },
    ]);
  });

  it('refuses malformed JSON and bodies that are not objects, saying what is wrong', async () => {
    const bad = await t.rest('patch', `${PARTNER_BASE}/identity`, { headers, raw: '{"old_identifier": ' });
    expect([bad.status, bad.body]).toEqual([400, { error: 'request body is not valid JSON: bad request' }]);
    const arr = await t.rest('patch', `${PARTNER_BASE}/identity`, { headers, raw: '[1,2]' });
    expect([arr.status, arr.body]).toEqual([
      400,
      { error: 'request body must be a JSON object, not an array: bad request' },
    ]);
    const text = await t.rest('post', `${PARTNER_BASE}/upsert`, { headers, raw: '"users"' });
    expect([text.status, text.body]).toEqual([
      400,
      { error: 'request body must be a JSON object, not string: bad request' },
    ]);
    const nul = await t.rest('post', `${PARTNER_BASE}/profile`, { headers, raw: 'null' });
    expect([nul.status, nul.body]).toEqual([
      400,
      { error: 'request body must be a JSON object, not null: bad request' },
    ]);
    const { 'Content-Type': _json, ...noType } = headers;
    const none = await t.rest('delete', `${PARTNER_BASE}/identity`, { headers: noType });
    expect([none.status, none.body]).toEqual([
      400,
      { error: 'request body is empty: send a JSON object: bad request' },
    ]);
    const form = await t.rest('post', `${PARTNER_BASE}/upsert`, {
      headers: { ...noType, 'Content-Type': 'application/x-www-form-urlencoded' },
      raw: 'users=1',
    });
    expect([form.status, form.body]).toEqual([400, { error: 'content type must be application/json: bad request' }]);
  });
});
