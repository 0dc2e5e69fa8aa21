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
        attributes: ['email', 'name', 'c_shoe_size'],
        events: { start_date: 1704067200, end_date: 1735689600, wanted: [{ event_name: 'session_start', params: [] }] },
      });
      expect(after.body).toEqual({
        attributes: { email: 'sample1@useinsider.com', name: 'Sam', c_shoe_size: 42, iid: expect.any(String) },
        events: { session_start: [{ created_date: '2024-05-17T10:00:00Z' }] },
        iid: after.body.attributes.iid,
        identifiers: { email: 'sample1@useinsider.com' },
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
        'not a valid phone number: use E.164 (e.g. +6598765432): bad request',
      ],
      [
        'no old_identifier',
        { new_identifier: { email: 'b@example.com' } },
        'there must be exactly 1 entry for both new and old identifiers: bad request',
      ],
      [
        'a side that is not an object',
        { old_identifier: 'a@example.com', new_identifier: { email: 'b@example.com' } },
        'there must be exactly 1 entry for both new and old identifiers: bad request',
      ],
      [
        'a blocked value in another case',
        { old_identifier: { uuid: 'u-1' }, new_identifier: { uuid: 'NULL' } },
        'no valid identifier: bad request',
      ],
      [
        'a number as a value',
        { old_identifier: { uuid: 12345 }, new_identifier: { uuid: 'u-2' } },
        'uuid must be a string: bad request',
      ],
      [
        'a custom identifier and a default one',
        { old_identifier: { custom: { uuid: 'a' } }, new_identifier: { uuid: 'b' } },
        'old and new identifiers must be of the same type: bad request',
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
      const text = await t.rest('post', `${BASE}/upsert`, { headers, raw: '"users"' });
      expect([text.status, text.body]).toEqual([
        400,
        { error: 'request body must be a JSON object, not string: bad request' },
      ]);
      const nul = await t.rest('post', `${BASE}/profile`, { headers, raw: 'null' });
      expect([nul.status, nul.body]).toEqual([
        400,
        { error: 'request body must be a JSON object, not null: bad request' },
      ]);
      const { 'Content-Type': _json, ...noType } = headers;
      const none = await t.rest('delete', `${BASE}/identity`, { headers: noType });
      expect([none.status, none.body]).toEqual([
        400,
        { error: 'request body is empty: send a JSON object: bad request' },
      ]);
      const form = await t.rest('post', `${BASE}/upsert`, {
        headers: { ...noType, 'Content-Type': 'application/x-www-form-urlencoded' },
        raw: 'users=1',
      });
      expect([form.status, form.body]).toEqual([400, { error: 'content type must be application/json: bad request' }]);
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
              'users.1.identifiers': ['not a valid email address'],
              'users.2.attributes.age': ['must be a whole number from 0 to 200'],
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
      expect(p.body.attributes).toEqual({ list_id: [9], iid: p.body.iid });
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
            'users.0.identifiers': [
              'the user already has a different uuid; change it with PATCH /api/user/v1/identity',
            ],
            'users.2.identifiers': ['the identifiers belong to different users; merging profiles is not supported'],
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
        event_group_id: 'ORDER-1',
        quantity: 1,
        custom: { gift_wrap: true },
      };
      const { quantity: _q, ...cart } = purchase;
      const res = await upsert([
        {
          identifiers: { email: 'buyer@example.com' },
          events: [
            { event_name: 'purchase', timestamp: '2024-05-17T10:00:00Z', event_params: purchase },
            { event_name: 'cart_page_view', timestamp: '2024-05-16T10:00:00+03:00', event_params: cart },
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
              event_params: { product_id: 'p-1', currency: 'euro', unit_price: 90 },
            },
          ],
        },
        {
          identifiers: { email: 'bad3@example.com' },
          events: [{ event_name: 'cart_page_view', timestamp: 'yesterday', event_params: cart }],
        },
        { identifiers: { email: 'bad4@example.com' }, events: { event_name: 'purchase' } },
      ]);
      expect(res.body.data).toEqual({
        successful: { count: 1 },
        fail: {
          count: 4,
          errors: {
            'users.1.events.0.event_name': ['event_name must be 1 to 128 lowercase letters, digits or "_"'],
            'users.2.events.0.event_params.currency': ['currency must be an ISO 4217 currency code (e.g. USD)'],
            'users.2.events.0.event_params': [
              'event_group_id parameter is required on purchase event',
              'unit_sale_price parameter is required on purchase event',
              'quantity parameter is required on purchase event',
            ],
            'users.3.events.0.timestamp': ['timestamp must be an RFC 3339 date-time (e.g. 2024-05-17T10:00:00Z)'],
            'users.4.events': ['events must be an array'],
          },
        },
      });
      const p = await profile({
        identifiers: { email: 'buyer@example.com' },
        events: {
          start_date: Date.parse('2024-05-16T00:00:00Z') / 1000,
          end_date: Date.parse('2024-05-18T00:00:00Z') / 1000,
          wanted: [
            { event_name: 'purchase', params: ['product_id', 'unit_sale_price', 'c_gift_wrap', 'timestamp'] },
            { event_name: 'cart_page_view' },
            { event_name: 'homepage_view', params: ['referrer'] },
          ],
        },
      });
      expect(p.body.events).toEqual({
        purchase: [{ product_id: 'p-1', unit_sale_price: 80, c_gift_wrap: true, created_date: '2024-05-17T10:00:00Z' }],
        cart_page_view: [{ ...cart, created_date: '2024-05-16T07:00:00Z' }],
        homepage_view: [],
      });
      for (const email of ['bad1@example.com', 'bad2@example.com', 'bad3@example.com', 'bad4@example.com'])
        expect((await profile({ identifiers: { email } })).status).toBe(404);
    });

    it('reports every problem of a user, by path, and writes none of it', async () => {
      const res = await upsert([
        {
          identifiers: { email: 'many-problems@example.com', uuid: 42 },
          attributes: { age: -1, country: 'Finland', shoe_size: 40, custom: { 'bad name': 1, ok: { nested: true } } },
          append: 'yes',
        },
        { attributes: { name: 'Nobody' } },
        'not a user',
      ]);
      expect(res.body.data).toEqual({
        successful: { count: 0 },
        fail: {
          count: 3,
          errors: {
            'users.0.identifiers': ['uuid must be a string'],
            'users.0.attributes.age': ['must be a whole number from 0 to 200'],
            'users.0.attributes.country': ['must be an ISO 3166-1 alpha-2 country code (e.g. TR)'],
            'users.0.attributes.shoe_size': [
              'unknown default attribute "shoe_size": custom attributes go under "custom"',
            ],
            'users.0.attributes.custom.bad name': ['custom attribute names are 1 to 128 letters, digits, "_" or "-"'],
            'users.0.attributes.custom.ok': ['must be a string, number, boolean or an array of them'],
            'users.0': ['append and not_append must be true or false'],
            'users.1.identifiers': ['either insider_id or identifiers must be specified'],
            'users.2': ['a user must be an object'],
          },
        },
      });
      expect((await profile({ identifiers: { email: 'many-problems@example.com' } })).status).toBe(404);
    });

    it('takes append over not_append, per user or for the whole request', async () => {
      const list = async () =>
        (await profile({ identifiers: { uuid: 'appender' }, attributes: ['static_segment_id'] })).body.attributes
          .static_segment_id;
      await upsert([{ identifiers: { uuid: 'appender' }, attributes: { static_segment_id: [1] } }]);
      await upsert([{ identifiers: { uuid: 'appender' }, attributes: { static_segment_id: [2] } }]);
      expect(await list()).toEqual([1, 2]);
      await upsert([{ identifiers: { uuid: 'appender' }, attributes: { static_segment_id: [3] }, append: false }]);
      expect(await list()).toEqual([3]);
      await upsert([
        { identifiers: { uuid: 'appender' }, attributes: { static_segment_id: [4] }, append: true, not_append: true },
      ]);
      expect(await list()).toEqual([3, 4]);
      await upsert([{ identifiers: { uuid: 'appender' }, attributes: { static_segment_id: [5] } }], {
        not_append: true,
      });
      expect(await list()).toEqual([5]);
      await upsert([{ identifiers: { uuid: 'appender' }, attributes: { static_segment_id: [6] }, not_append: false }], {
        not_append: true,
      });
      expect(await list()).toEqual([5, 6]);
    });

    it('loses no item when concurrent upserts append to one array', async () => {
      await upsert([{ identifiers: { uuid: 'busy-lists' }, attributes: { list_id: [0] } }]);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          upsert([
            { identifiers: { uuid: 'busy-lists' }, attributes: { list_id: [i + 1], custom: { tags: [`t${i}`] } } },
          ]),
        ),
      );
      expect(results.map((r) => r.body.data.successful.count)).toEqual(Array(12).fill(1));
      const p = await profile({ identifiers: { uuid: 'busy-lists' }, attributes: ['list_id', 'c_tags'] });
      expect([...p.body.attributes.list_id].sort((a: number, b: number) => a - b)).toEqual(
        Array.from({ length: 13 }, (_, i) => i),
      );
      expect(p.body.attributes.c_tags).toHaveLength(12);
    });

    it('takes a default identifier as an attribute only when it is not an enabled identifier', async () => {
      const res = await upsert([{ identifiers: { uuid: 'attr-email' }, attributes: { email: 'x@example.com' } }]);
      expect(res.body.data.fail.errors).toEqual({
        'users.0.attributes.email': [
          'email is an identifier: send it under identifiers (change it with PATCH /api/user/v1/identity)',
        ],
      });
      const admin = (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token;
      const setTypes = (types: string[]) =>
        t.gql(
          `mutation ($types: [String!]!) { updateIdentitySettings(data: { enabledIdentifiers: $types }) { enabledIdentifiers } }`,
          { types },
          admin,
        );
      await setTypes(['uuid', 'phone_number']);
      try {
        const ok = await upsert([{ identifiers: { uuid: 'attr-email' }, attributes: { email: 'X@Example.com' } }]);
        expect(ok.body.data).toEqual({ successful: { count: 1 }, fail: {} });
        const p = await profile({ identifiers: { uuid: 'attr-email' }, attributes: ['email', 'uuid'] });
        expect(p.body.attributes).toEqual({ email: 'x@example.com', uuid: 'attr-email', iid: p.body.iid });
      } finally {
        await setTypes(['uuid', 'email', 'phone_number']);
      }
    });

    it('writes a batch in as many statements for 200 users as for 5', async () => {
      const statements: string[] = [];
      const logger = t.dataSource.logger;
      const original = logger.logQuery.bind(logger);
      logger.logQuery = (q, parameters, runner) => {
        statements.push(q);
        return original(q, parameters, runner);
      };
      const batch = async (n: number, tag: string) => {
        statements.length = 0;
        const res = await upsert(
          Array.from({ length: n }, (_, i) => ({
            identifiers: { uuid: `${tag}-${i}`, email: `${tag}-${i}@example.com` },
            attributes: { name: `N${i}`, list_id: [i], custom: { tier: 'gold' } },
            events: [{ event_name: 'session_start', timestamp: '2024-05-17T10:00:00Z' }],
          })),
        );
        expect(res.body.data).toEqual({ successful: { count: n }, fail: {} });
        return statements.length;
      };
      try {
        await batch(1, 'warm');
        const fiveNew = await batch(5, 'few');
        const manyNew = await batch(200, 'many');
        expect(manyNew).toBe(fiveNew);
        const fiveAgain = await batch(5, 'few');
        const manyAgain = await batch(200, 'many');
        expect(manyAgain).toBe(fiveAgain);
        expect(manyAgain).toBeLessThanOrEqual(12);
      } finally {
        logger.logQuery = original;
      }
      const p = await profile({ identifiers: { uuid: 'many-199' }, attributes: ['list_id', 'c_tier'] });
      expect(p.body.attributes).toEqual({ list_id: [199], c_tier: 'gold', iid: p.body.iid });
    });

    it('writes users of one request that share an identifier in their order', async () => {
      const res = await upsert([
        { identifiers: { email: 'order@example.com', uuid: 'order-1' }, attributes: { list_id: [1] } },
        { identifiers: { email: 'order@example.com' }, attributes: { name: 'Second', list_id: [2] } },
        { identifiers: { uuid: 'order-1', email: 'other-order@example.com' }, attributes: { name: 'Third' } },
        { identifiers: { uuid: 'order-1', phone_number: '+35840111222' }, attributes: { list_id: [3] } },
        { identifiers: { uuid: 'standalone-order' }, attributes: { name: 'Alone' } },
      ]);
      expect(res.body.data).toEqual({
        successful: { count: 4 },
        fail: {
          count: 1,
          errors: {
            'users.2.identifiers': [
              'the user already has a different email; change it with PATCH /api/user/v1/identity',
            ],
          },
        },
      });
      const p = await profile({ identifiers: { phone_number: '+35840111222' }, attributes: ['name', 'list_id'] });
      expect(p.body.attributes).toEqual({ name: 'Second', list_id: [1, 2, 3], iid: p.body.iid });
      expect(p.body.identifiers).toEqual({ email: 'order@example.com', uuid: 'order-1', phone_number: '+35840111222' });
    });

    it('makes one profile per identifier when concurrent batches create the same users', async () => {
      const batch = (r: number) =>
        upsert(
          Array.from({ length: 40 }, (_, i) => ({
            identifiers: { email: `race-${i}@example.com` },
            attributes: { list_id: [r], custom: { last: r } },
            events: [{ event_name: 'session_start', timestamp: `2024-05-17T10:00:0${r}Z` }],
          })),
        );
      const results = await Promise.all(Array.from({ length: 6 }, (_, r) => batch(r)));
      for (const res of results)
        expect([res.status, res.body.data]).toEqual([200, { successful: { count: 40 }, fail: {} }]);
      const profiles = await t.dataSource.query(
        "SELECT COUNT(DISTINCT profile_id) AS n FROM identity_identifiers WHERE value LIKE 'race-%'",
      );
      expect(Number(profiles[0].n)).toBe(40);
      for (const i of [0, 17, 39]) {
        const p = await profile({
          identifiers: { email: `race-${i}@example.com` },
          attributes: ['list_id'],
          events: { start_date: 1715940000, end_date: 1715940060 },
        });
        expect([...p.body.attributes.list_id].sort()).toEqual([0, 1, 2, 3, 4, 5]);
        expect(p.body.events.session_start).toHaveLength(6);
      }
    });

    it('refuses more than 1,000 users, or none', async () => {
      const many = await upsert(Array.from({ length: 1001 }, (_, i) => ({ identifiers: { uuid: `m${i}` } })));
      expect([many.status, many.body]).toEqual([
        400,
        { error: 'a request can carry at most 1,000 users, not 1,001: bad request' },
      ]);
      expect((await upsert([])).body).toEqual({ error: 'users must not be empty: bad request' });
      const none = await send('post', '/upsert', { skip_hook: false });
      expect([none.status, none.body]).toEqual([400, { error: 'users must be defined: bad request' }]);
      const notArray = await send('post', '/upsert', { users: { identifiers: { uuid: 'x' } } });
      expect(notArray.body).toEqual({ error: 'users must be an array of users: bad request' });
    });

    it('writes 1,000 users in one request', async () => {
      const started = Date.now();
      const res = await upsert(
        Array.from({ length: 1000 }, (_, i) => ({
          identifiers: { uuid: `bulk-${i}`, email: `bulk-${i}@example.com` },
          attributes: { name: `Bulk ${i}`, list_id: [i], custom: { n: i } },
          events: [{ event_name: 'session_start', timestamp: '2024-05-17T10:00:00Z' }],
        })),
      );
      expect(res.body.data).toEqual({ successful: { count: 1000 }, fail: {} });
      expect(Date.now() - started).toBeLessThan(30_000);
      const p = await profile({ identifiers: { email: 'bulk-999@example.com' }, attributes: ['name', 'c_n'] });
      expect(p.body.attributes).toEqual({ name: 'Bulk 999', c_n: 999, iid: p.body.iid });
    });
  });

  describe('attribute delete, identifier delete, profile delete', () => {
    it('deletes attributes whole and partially, default and custom, but never identifiers', async () => {
      await upsert([
        {
          identifiers: { email: 'del@example.com' },
          attributes: {
            name: 'Del',
            surname: 'Ete',
            list_id: [1, 2, 3],
            custom: { tags: ['a', 'b'], shoe_size: 40, keep: 'me' },
          },
        },
      ]);
      const res = await send('post', '/attribute/delete', {
        users: [
          {
            identifiers: { email: 'del@example.com' },
            whole: ['name'],
            partial: { list_id: [2] },
            custom: { whole: ['shoe_size'], partial: { tags: ['a'] } },
          },
          { identifiers: { email: 'del@example.com' }, whole: ['email', 'city'] },
          { identifiers: { email: 'del@example.com' }, partial: { surname: ['Ete'] }, custom: { all: true } },
          { identifiers: { email: 'nobody-here@example.com' }, whole: ['name'] },
          { identifiers: { email: 'del@example.com' } },
        ],
      });
      expect(res.body.data).toEqual({
        successful: { count: 1 },
        fail: {
          count: 4,
          errors: {
            'users.1.whole.0': ['email is an identifier and cannot be deleted here: use DELETE /api/user/v1/identity'],
            'users.2.partial.surname': ['surname is not an array attribute: delete it with "whole"'],
            'users.2.custom.all': ['custom takes "whole" (names) and "partial" (name → items)'],
            'users.3.identifiers': ['no such user for these identifiers'],
            'users.4': ['nothing to delete: give whole, partial or custom'],
          },
        },
      });
      const p = await profile({ identifiers: { email: 'del@example.com' } });
      expect(p.body.attributes).toEqual({
        surname: 'Ete',
        list_id: [1, 3],
        c_tags: ['b'],
        c_keep: 'me',
        iid: p.body.iid,
      });
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
      const profileNone = await send('post', '/delete', { insider_id: 7 });
      expect(profileNone.body).toEqual({
        error: 'insider_id must be a string (the iid /profile answers): bad request',
      });
      const bare = await send('post', '/delete', {});
      expect(bare.body).toEqual({ error: 'either insider_id or identifiers must be specified: bad request' });
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
      expect(p.body.attributes).toEqual({ 'c_loyalty-tier': 'Gold', iid: p.body.iid });
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

  it('takes concurrent Nosto and Insider writes of one profile without a failure', async () => {
    await upsert([{ identifiers: { email: 'both-busy@example.com' }, attributes: { custom: { a: '0', b: '0' } } }]);
    const writes = Array.from({ length: 24 }, (_, i) =>
      i % 2
        ? t.gql(
            `mutation ($v: String!) { upsertIdentity(identity: { email: "both-busy@example.com", attributes: [{ name: "b", value: $v }, { name: "a", value: $v }] }) { id } }`,
            { v: `g${i}` },
            { basic: token },
          )
        : upsert([
            {
              identifiers: { email: 'both-busy@example.com' },
              attributes: { list_id: [i], custom: { a: `r${i}`, b: `r${i}` } },
            },
          ]),
    );
    const results = await Promise.all(writes);
    results.forEach((res, i) => {
      if (i % 2) expect(res.body.errors).toBeUndefined();
      else expect(res.body.data).toEqual({ successful: { count: 1 }, fail: {} });
    });
    const p = await profile({ identifiers: { email: 'both-busy@example.com' }, attributes: ['list_id'] });
    expect(p.body.attributes.list_id).toHaveLength(12);
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
      expect(res.body.data.fail.errors).toEqual({ 'users.0.identifiers': ['no valid identifier'] });
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

  it('serves an OpenAPI document at /docs with every request and error body of the six endpoints', async () => {
    const ui = await t.rest('get', '/docs');
    expect([ui.status, ui.headers['content-type']]).toEqual([200, expect.stringMatching(/^text\/html/)]);
    const res = await t.rest('get', '/docs-json');
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    expect(Object.keys(paths).sort()).toEqual([
      '/api/user/v1/attribute/delete',
      '/api/user/v1/delete',
      '/api/user/v1/identity',
      '/api/user/v1/profile',
      '/api/user/v1/upsert',
    ]);
    expect(Object.keys(paths['/api/user/v1/identity']).sort()).toEqual(['delete', 'patch']);
    const bodies = (op: any, status: number) =>
      Object.values(op.responses[String(status)].content['application/json'].examples).map((e: any) => e.value);
    const operations = [
      paths['/api/user/v1/identity'].patch,
      paths['/api/user/v1/identity'].delete,
      paths['/api/user/v1/upsert'].post,
      paths['/api/user/v1/attribute/delete'].post,
      paths['/api/user/v1/profile'].post,
      paths['/api/user/v1/delete'].post,
    ];
    for (const op of operations) {
      expect(op.requestBody.content['application/json'].schema.example).toEqual(expect.any(Object));
      expect(bodies(op, 400)).toEqual(
        expect.arrayContaining([
          { success: false, message: 'Partner is invalid.' },
          { error: 'request body is bigger than maximum allowed size 5,000,000 bytes' },
          { error: 'request body is not valid JSON: bad request' },
        ]),
      );
      expect(bodies(op, 403)).toEqual([
        { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
      ]);
      expect(bodies(op, 429)).toEqual([{ error: 'rejected: too many requests' }]);
      expect(op.responses['429'].headers['Retry-After']).toBeDefined();
      expect(bodies(op, 500)).toEqual([
        { success: false, message: 'The request processing has failed because of an unknown error.' },
      ]);
    }
    expect(bodies(operations[0], 400)).toEqual(
      expect.arrayContaining([
        { error: 'identifier values are the same: bad request' },
        { error: 'there must be exactly 1 entry for both new and old identifiers: bad request' },
        { error: 'new identifier already has a user assigned to it: bad request' },
        { error: 'no valid identifier: bad request' },
      ]),
    );
    expect(bodies(operations[0], 200)).toEqual([{}]);
    expect(bodies(operations[1], 400)).toContainEqual({
      error: 'you cannot delete the sole identifier specified for a user: bad request',
    });
    expect(bodies(operations[2], 200)[0]).toEqual({ data: { successful: { count: 1 }, fail: {} } });
    expect(bodies(operations[4], 404)).toEqual([{ error: 'no such user for these identifiers: no data' }]);
  });
});
