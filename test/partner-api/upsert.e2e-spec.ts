import { PartnerApp, partnerCalls, startPartnerApp } from '../helpers/partner';
import { TestApp } from '../helpers/test-app';

describe('POST /upsert', () => {
  let t: TestApp;
  let app: PartnerApp;
  const { send, upsert, profile } = partnerCalls(() => app);

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t } = app);
  });
  afterAll(() => t.close());

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
          'users.0.identifiers': ['the user already has a different uuid; change it with PATCH /api/user/v1/identity'],
          'users.2.identifiers': [
            'the identifiers belong to different users; the identity setting mergeOnUpsert merges them',
          ],
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

  it('stores email, phone_number and uuid sent as attributes as contact attributes, beside the identifiers', async () => {
    // Insider's Postman example "Upsert email and phone number attributes": a user known by uuid
    const res = await upsert([
      {
        identifiers: { uuid: 'attr-email' },
        attributes: { gdpr_optin: true, email: 'X@Example.com', phone_number: '+65 1234 5678' },
      },
    ]);
    expect(res.body.data).toEqual({ successful: { count: 1 }, fail: {} });
    const p = await profile({ identifiers: { uuid: 'attr-email' }, attributes: ['email', 'phone_number', 'uuid'] });
    expect(p.body.attributes).toEqual({
      email: 'x@example.com',
      phone_number: '+6512345678',
      uuid: 'attr-email',
      iid: p.body.iid,
    });
    // they are no identifiers: nobody is found by them, and the profile still has only its uuid
    expect(p.body.identifiers).toEqual({ uuid: 'attr-email' });
    expect((await profile({ identifiers: { email: 'x@example.com' } })).status).toBe(404);

    // sent with the identifier of the same type, the two must agree
    const both = await upsert([
      { identifiers: { email: 'both@example.com' }, attributes: { email: 'BOTH@example.com', name: 'Both' } },
      { identifiers: { email: 'two@example.com' }, attributes: { email: 'other@example.com' } },
    ]);
    expect(both.body.data).toEqual({
      successful: { count: 1 },
      fail: {
        count: 1,
        errors: {
          'users.1.attributes.email': [
            'must equal identifiers.email when both are sent (change an identifier with PATCH /api/user/v1/identity)',
          ],
        },
      },
    });
    // a contact attribute is answered before the identifier of its type; PATCH changes only the identifier
    const patched = await send('patch', '/identity', {
      old_identifier: { email: 'both@example.com' },
      new_identifier: { email: 'both2@example.com' },
    });
    expect(patched.status).toBe(200);
    const after = await profile({ identifiers: { email: 'both2@example.com' }, attributes: ['email', 'name'] });
    expect(after.body.attributes).toEqual({ email: 'both@example.com', name: 'Both', iid: after.body.iid });
    expect(after.body.identifiers).toEqual({ email: 'both2@example.com' });
  });

  it('writes a batch in as many statements for 200 users as for 5', async () => {
    const statements: string[] = [];
    const logger = t.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (q, parameters, runner) => {
      // not the request's: the background statistics refresh a bulk write may start (TableStatistics)
      if (!/^(ANALYZE |SELECT sum\(greatest\(reltuples)/.test(q)) statements.push(q);
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
          'users.2.identifiers': ['the user already has a different email; change it with PATCH /api/user/v1/identity'],
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
