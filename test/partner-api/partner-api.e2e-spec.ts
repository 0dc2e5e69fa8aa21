import { Permission, Scope } from '../../src/auth/permissions';
import { seedApiToken, seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

const BASE = '/api/user/v1';

describe('the Insider-compatible partner API', () => {
  let t: TestApp;
  let token: string;
  let headers: Record<string, string>;
  const send = (method: 'patch' | 'post' | 'delete', path: string, body: unknown, extra: Record<string, string> = {}) =>
    t.rest(method, `${BASE}${path}`, { body, headers: { ...headers, ...extra } });
  const upsert = (users: unknown[], more: Record<string, unknown> = {}) => send('post', '/upsert', { users, ...more });
  const profile = (body: unknown) => send('post', '/profile', body);

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: 'mybrand' } });
    token = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
    headers = { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
  });
  afterAll(() => t.close());

  describe('PATCH /identity (seed 003, sent as written)', () => {
    it('updates a default identifier, keeping attributes and events', async () => {
      await upsert([
        {
          identifiers: { email: 'sample@useinsider.com' },
          attributes: { name: 'Sam', custom: { shoe_size: 42 } },
          events: [{ event_name: 'session_start', timestamp: '2024-05-17T10:00:00Z' }],
        },
      ]);
      const res = await t.rest('patch', `${BASE}/identity`, {
        headers,
        raw: '{\n"old_identifier": {\n"email": "sample@useinsider.com"\n},\n"new_identifier": {\n"email": "sample1@useinsider.com"\n}\n}',
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({});
      const after = await profile({
        identifiers: { email: 'sample1@useinsider.com' },
        events: { start_date: '2024-01-01T00:00:00Z', end_date: '2025-01-01T00:00:00Z' },
      });
      expect(after.body).toMatchObject({
        identifiers: { email: 'sample1@useinsider.com' },
        attributes: { name: 'Sam', c_shoe_size: 42 },
        events: [{ event_name: 'session_start', timestamp: '2024-05-17T10:00:00.000Z' }],
      });
      expect((await profile({ identifiers: { email: 'sample@useinsider.com' } })).status).toBe(404);
    });

    it('updates a custom identifier nested in custom', async () => {
      await t.gql(
        `mutation { updateIdentitySettings(data: { customIdentifiers: ["user_loyalty_id"] }) { customIdentifiers } }`,
        {},
        (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token,
      );
      await upsert([{ identifiers: { custom: { user_loyalty_id: 'xyz123' } } }]);
      const res = await t.rest('patch', `${BASE}/identity`, {
        headers,
        raw: '{\n"old_identifier": {\n"custom": {\n"user_loyalty_id": "xyz123"\n}\n},\n"new_identifier": {\n"custom": {\n"user_loyalty_id": "xyz456"\n}\n}\n}',
      });
      expect([res.status, res.body]).toEqual([200, {}]);
      expect((await profile({ identifiers: { custom: { user_loyalty_id: 'xyz456' } } })).body.identifiers).toEqual({
        custom: { user_loyalty_id: 'xyz456' },
      });
    });

    it.each([
      [
        'the same value',
        { old_identifier: { email: 'same@example.com' }, new_identifier: { email: 'same@example.com' } },
        'identifier values are the same: bad request',
      ],
      [
        'the same value, differently cased',
        { old_identifier: { email: 'same@example.com' }, new_identifier: { email: 'SAME@example.com' } },
        'identifier values are the same: bad request',
      ],
      [
        'no new_identifier',
        { old_identifier: { email: 'a@example.com' } },
        'there must be exactly 1 entry for both new and old identifiers: bad request',
      ],
      [
        'two entries',
        { old_identifier: { email: 'a@example.com', uuid: 'u1' }, new_identifier: { email: 'b@example.com' } },
        'there must be exactly 1 entry for both new and old identifiers: bad request',
      ],
      [
        'an empty side',
        { old_identifier: {}, new_identifier: { email: 'b@example.com' } },
        'there must be exactly 1 entry for both new and old identifiers: bad request',
      ],
      [
        'mismatched types',
        { old_identifier: { email: 'a@example.com' }, new_identifier: { phone_number: '+6598765432' } },
        'old and new identifiers must be of the same type: bad request',
      ],
      [
        'a custom type not enabled',
        { old_identifier: { custom: { nope: 'a' } }, new_identifier: { custom: { nope: 'b' } } },
        'no valid identifier: bad request',
      ],
      [
        'a blocked value',
        { old_identifier: { uuid: 'anonymous' }, new_identifier: { uuid: 'u-2' } },
        'no valid identifier: bad request',
      ],
      [
        'a bad phone',
        { old_identifier: { phone_number: '12' }, new_identifier: { phone_number: '+6598765432' } },
        'identifier phone_number must be in E.164 format (e.g. +6598765432): bad request',
      ],
    ])('refuses %s with 400 and the seed body', async (_case, body, message) => {
      const res = await send('patch', '/identity', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: message });
    });

    it('refuses a new value that another user has', async () => {
      await upsert([{ identifiers: { email: 'one@example.com' } }, { identifiers: { email: 'two@example.com' } }]);
      const res = await send('patch', '/identity', {
        old_identifier: { email: 'one@example.com' },
        new_identifier: { email: 'two@example.com' },
      });
      expect([res.status, res.body]).toEqual([
        400,
        { error: 'new identifier already has a user assigned to it: bad request' },
      ]);
    });

    it('refuses a type the identity settings do not enable (seed: phone_number not configured)', async () => {
      const admin = (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token;
      await t.gql(
        `mutation { updateIdentitySettings(data: { enabledIdentifiers: ["uuid", "email"] }) { enabledIdentifiers } }`,
        {},
        admin,
      );
      try {
        const res = await send('patch', '/identity', {
          old_identifier: { phone_number: '+6598765432' },
          new_identifier: { phone_number: '+6598765433' },
        });
        expect([res.status, res.body]).toEqual([400, { error: 'no valid identifier: bad request' }]);
      } finally {
        await t.gql(
          `mutation { updateIdentitySettings(data: { enabledIdentifiers: ["uuid", "email", "phone_number"] }) { enabledIdentifiers } }`,
          {},
          admin,
        );
      }
    });

    it('answers 404 for an old value nobody has', async () => {
      const res = await send('patch', '/identity', {
        old_identifier: { uuid: 'ghost' },
        new_identifier: { uuid: 'ghost-2' },
      });
      expect([res.status, res.body]).toEqual([404, { error: 'no such user for these identifiers: no data' }]);
    });

    it('gives exactly one 200 and 29 "already assigned" answers for 30 concurrent claims of one new value', async () => {
      await upsert(Array.from({ length: 30 }, (_, i) => ({ identifiers: { uuid: `claimant-${i}` } })));
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          send('patch', '/identity', {
            old_identifier: { uuid: `claimant-${i}` },
            new_identifier: { uuid: 'the-prize' },
          }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      const refused = results.filter((r) => r.status === 400);
      expect(refused).toHaveLength(29);
      for (const r of refused)
        expect(r.body).toEqual({ error: 'new identifier already has a user assigned to it: bad request' });
    });
  });

  describe('headers and common errors', () => {
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
      const res = await t.rest('patch', `${BASE}/identity`, { body, headers: h });
      expect([res.status, res.body]).toEqual([
        403,
        { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
      ]);
    });

    it('refuses a body over 5,000,000 bytes before parsing it', async () => {
      const res = await t.rest('post', `${BASE}/upsert`, {
        headers,
        raw: `{"users":[{"identifiers":{"email":"big@example.com"},"attributes":{"custom":{"blob":"${'x'.repeat(5_000_001)}"}}}]}`,
      });
      expect([res.status, res.body]).toEqual([
        400,
        { error: 'request body is bigger than maximum allowed size 5,000,000 bytes' },
      ]);
    });

    it('refuses malformed JSON and bodies that are not objects, saying what is wrong', async () => {
      const bad = await t.rest('patch', `${BASE}/identity`, { headers, raw: '{"old_identifier": ' });
      expect([bad.status, bad.body]).toEqual([400, { error: 'request body is not valid JSON: bad request' }]);
      const arr = await t.rest('patch', `${BASE}/identity`, { headers, raw: '[1,2]' });
      expect([arr.status, arr.body]).toEqual([
        400,
        { error: 'request body must be a JSON object, not an array: bad request' },
      ]);
    });
  });

  describe('POST /upsert', () => {
    it('creates and updates users, appends arrays unless not_append, and reports failed users by path', async () => {
      const first = await upsert([
        {
          identifiers: { email: 'Jane@Example.com', uuid: 'jane-1' },
          attributes: {
            name: 'Jane',
            age: 30,
            email_optin: true,
            list_id: [1, 2],
            custom: { tags: ['a'], shoe_size: 38 },
          },
        },
        { identifiers: { email: 'not-an-email' } },
        { identifiers: { uuid: 'jane-1' }, attributes: { age: 'thirty' } },
      ]);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        data: {
          successful: { count: 1 },
          fail: {
            count: 2,
            errors: {
              'users.1.identifiers': 'identifier email is not a valid email address',
              'users.2.attributes.age': 'must be a whole number from 0 to 200',
            },
          },
        },
      });
      await upsert([{ identifiers: { uuid: 'jane-1' }, attributes: { list_id: [2, 3], custom: { tags: ['b'] } } }]);
      let p = await profile({
        identifiers: { uuid: 'jane-1' },
        attributes: ['name', 'age', 'email_optin', 'list_id', 'c_tags', 'c_shoe_size'],
      });
      expect(p.body).toMatchObject({
        identifiers: { email: 'jane@example.com', uuid: 'jane-1' },
        attributes: {
          name: 'Jane',
          age: 30,
          email_optin: true,
          list_id: [1, 2, 3],
          c_tags: ['a', 'b'],
          c_shoe_size: 38,
        },
      });
      await upsert([{ identifiers: { uuid: 'jane-1' }, attributes: { list_id: [9] } }], { not_append: true });
      p = await profile({ identifiers: { email: 'jane@example.com' }, attributes: ['list_id'] });
      expect(p.body.attributes).toEqual({ list_id: [9] });
      expect(typeof p.body.iid).toBe('string');
      const byIid = await upsert([{ insider_id: p.body.iid, attributes: { city: 'Oulu' } }]);
      expect(byIid.body.data.successful.count).toBe(1);
    });

    it('never changes an existing identifier, and never merges two profiles', async () => {
      await upsert([
        { identifiers: { email: 'a1@example.com', uuid: 'a1' } },
        { identifiers: { email: 'b1@example.com' } },
      ]);
      const res = await upsert([
        { identifiers: { email: 'a1@example.com', uuid: 'other-uuid' }, attributes: { name: 'Nope' } },
        { identifiers: { email: 'a1@example.com', phone_number: '+358401234567' } },
        { identifiers: { uuid: 'a1', email: 'b1@example.com' }, attributes: { name: 'Merged?' } },
      ]);
      expect(res.body.data).toEqual({
        successful: { count: 1 },
        fail: {
          count: 2,
          errors: {
            'users.0.identifiers.uuid':
              'the user already has a different uuid; change it with PATCH /api/user/v1/identity',
            'users.2.identifiers': 'the identifiers belong to different users; merging profiles is not supported',
          },
        },
      });
      const a = await profile({ identifiers: { email: 'a1@example.com' } });
      expect(a.body.identifiers).toEqual({ email: 'a1@example.com', uuid: 'a1', phone_number: '+358401234567' });
      expect(a.body.attributes.name).toBeUndefined();
    });

    it('validates and stores events, with the required params of purchase and cart_page_view', async () => {
      const purchase = {
        product_id: 'p-1',
        name: 'Shoe',
        currency: 'EUR',
        unit_price: 90,
        unit_sale_price: 80,
        quantity: 1,
      };
      const res = await upsert([
        {
          identifiers: { email: 'buyer@example.com' },
          events: [
            { event_name: 'purchase', timestamp: '2024-05-17T10:00:00Z', event_params: purchase },
            {
              event_name: 'cart_page_view',
              timestamp: '2024-05-16T10:00:00Z',
              event_params: { ...purchase, quantity: undefined },
            },
          ],
        },
        {
          identifiers: { email: 'bad1@example.com' },
          events: [{ event_name: 'Purchase!', timestamp: '2024-05-17T10:00:00Z' }],
        },
        {
          identifiers: { email: 'bad2@example.com' },
          events: [
            {
              event_name: 'purchase',
              timestamp: '2024-05-17T10:00:00Z',
              event_params: { ...purchase, currency: 'euro' },
            },
          ],
        },
        {
          identifiers: { email: 'bad3@example.com' },
          events: [{ event_name: 'cart_page_view', timestamp: 'yesterday' }],
        },
      ]);
      expect(res.body.data.fail.errors).toEqual({
        'users.1.events.0.event_name': 'event_name must be 1 to 128 lowercase letters, digits or "_"',
        'users.2.events.0.event_params.currency': 'purchase needs currency: an ISO 4217 code (e.g. EUR)',
        'users.3.events.0.timestamp': 'timestamp must be an RFC 3339 date-time (e.g. 2024-05-17T10:00:00Z)',
      });
      const p = await profile({
        identifiers: { email: 'buyer@example.com' },
        events: { start_date: '2024-05-17T00:00:00Z', end_date: '2024-05-18T00:00:00Z', wanted: ['purchase'] },
      });
      expect(p.body.events).toEqual([
        { event_name: 'purchase', timestamp: '2024-05-17T10:00:00.000Z', event_params: purchase },
      ]);
      expect((await profile({ identifiers: { email: 'bad1@example.com' } })).status).toBe(404);
    });

    it('refuses more than 1,000 users, or none', async () => {
      const many = await upsert(Array.from({ length: 1001 }, (_, i) => ({ identifiers: { uuid: `m${i}` } })));
      expect([many.status, many.body]).toEqual([
        400,
        { error: 'users must be an array of 1 to 1,000 users: bad request' },
      ]);
      expect((await upsert([])).body).toEqual({ error: 'users must be an array of 1 to 1,000 users: bad request' });
    });
  });

  describe('attribute delete, identifier delete, profile delete', () => {
    it('deletes attributes whole and partially, but never identifiers', async () => {
      await upsert([
        {
          identifiers: { email: 'del@example.com' },
          attributes: { name: 'Del', list_id: [1, 2, 3], custom: { tags: ['a', 'b'], shoe_size: 40 } },
        },
      ]);
      const res = await send('post', '/attribute/delete', {
        users: [
          {
            identifiers: { email: 'del@example.com' },
            whole: ['name', 'custom.shoe_size'],
            partial: { list_id: [2], 'custom.tags': ['a'] },
          },
          { identifiers: { email: 'del@example.com' }, whole: ['email'] },
        ],
      });
      expect(res.body.data).toEqual({
        successful: { count: 1 },
        fail: {
          count: 1,
          errors: { 'users.1.whole': 'identifiers cannot be deleted here (email); use DELETE /api/user/v1/identity' },
        },
      });
      const p = await profile({ identifiers: { email: 'del@example.com' } });
      expect(p.body.attributes).toEqual({ list_id: [1, 3], c_tags: ['b'] });
    });

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

    it('deletes a whole profile; /profile then answers 404', async () => {
      await upsert([{ identifiers: { email: 'gone@example.com' }, attributes: { name: 'Gone' } }]);
      const res = await send('post', '/delete', { identifiers: { email: 'gone@example.com' } });
      expect([res.status, res.body]).toEqual([200, {}]);
      const p = await profile({ identifiers: { email: 'gone@example.com' } });
      expect([p.status, p.body]).toEqual([404, { error: 'no such user for these identifiers: no data' }]);
    });
  });

  describe('one model behind both APIs', () => {
    it('reads through /profile what upsertIdentity wrote, and through GraphQL what /upsert wrote', async () => {
      await t.gql(
        `mutation { upsertIdentity(identity: { email: "both@example.com", attributes: [{ name: "loyalty-tier", value: "Gold" }] }) { id } }`,
        {},
        { basic: token },
      );
      const p = await profile({ identifiers: { email: 'both@example.com' }, attributes: ['c_loyalty-tier'] });
      expect(p.body.attributes).toEqual({ 'c_loyalty-tier': 'Gold' });
      await upsert([
        {
          identifiers: { email: 'both@example.com' },
          attributes: { name: 'Both', custom: { shoe_size: 42, vip: true } },
        },
      ]);
      const g = await t.gql(
        `{ identity(email: "both@example.com") { id attributes { name value } } }`,
        {},
        { basic: token },
      );
      expect(g.data.identity).toEqual({
        id: p.body.iid,
        attributes: [
          { name: 'loyalty-tier', value: 'Gold' },
          { name: 'shoe_size', value: '42' },
          { name: 'vip', value: 'true' },
        ],
      });
    });
  });

  describe('identity settings', () => {
    it('are read and replaced by canManageIdentities, list by list, validated', async () => {
      const admin = (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token;
      const current = await t.gql(`{ identitySettings { enabledIdentifiers blockedValues } }`, {}, admin);
      expect(current.data.identitySettings.blockedValues).toEqual(['undefined', 'anonymous', '0', '1', 'null']);
      const bad = await t.gql(
        `mutation { updateIdentitySettings(data: { customIdentifiers: ["Bad-Name"] }) { customIdentifiers } }`,
        {},
        admin,
      );
      expect([bad.code, bad.errors?.[0].message]).toEqual([
        'BAD_USER_INPUT',
        'customIdentifiers: "Bad-Name" must match ^[a-z][a-z0-9_]{0,63}$',
      ]);
      const unknown = await t.gql(
        `mutation { updateIdentitySettings(data: { enabledIdentifiers: ["fax"] }) { enabledIdentifiers } }`,
        {},
        admin,
      );
      expect(unknown.errors?.[0].message).toBe(
        'enabledIdentifiers: unknown identifier type "fax" (use uuid, email, phone_number)',
      );
      const blocked = await t.gql(
        `mutation { updateIdentitySettings(data: { blockedValues: ["guest@example.com"] }) { blockedValues } }`,
        {},
        admin,
      );
      expect(blocked.data.updateIdentitySettings.blockedValues).toEqual(['guest@example.com']);
      const res = await upsert([{ identifiers: { email: 'guest@example.com' } }]);
      expect(res.body.data.fail.errors).toEqual({ 'users.0.identifiers': 'no valid identifier' });
      await t.gql(
        `mutation { updateIdentitySettings(data: { blockedValues: ["undefined", "anonymous", "0", "1", "null"] }) { blockedValues } }`,
        {},
        admin,
      );
      expect((await t.gql(`{ identitySettings { enabledIdentifiers } }`, {}, (await seedUser(t)).token)).code).toBe(
        'FORBIDDEN',
      );
    });
  });

  it('serves an OpenAPI document listing the six endpoints', async () => {
    const res = await t.rest('get', '/docs-json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths).sort()).toEqual([
      '/api/user/v1/attribute/delete',
      '/api/user/v1/delete',
      '/api/user/v1/identity',
      '/api/user/v1/profile',
      '/api/user/v1/upsert',
    ]);
    expect(Object.keys(res.body.paths['/api/user/v1/identity']).sort()).toEqual(['delete', 'patch']);
    expect(
      res.body.paths['/api/user/v1/identity'].patch.responses['403'].content['application/json'].schema.example,
    ).toEqual({
      success: false,
      message: 'Access Denied. You do not have sufficient access to perform this action.',
    });
  });
});
