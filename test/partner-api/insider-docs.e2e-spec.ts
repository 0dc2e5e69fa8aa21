import { AddressInfo, connect } from 'node:net';
import { Permission, Scope } from '../../src/auth/permissions';
import { seedApiToken, seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * The request bodies of Insider One's public Unification API documentation, sent as written (only the
 * base URL, the partner name and the token change), and the wire-level errors of SPEC §4.
 */
const BASE = '/api/user/v1';
const UNKNOWN = { success: false, message: 'The request processing has failed because of an unknown error.' };
const TOO_LARGE = { error: 'request body is bigger than maximum allowed size 5,000,000 bytes' };

describe('Insider documentation samples, sent as written', () => {
  let t: TestApp;
  let headers: Record<string, string>;
  const raw = (method: 'patch' | 'post' | 'delete', path: string, body: string) =>
    t.rest(method, `${BASE}${path}`, { headers, raw: body });

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: 'mybrand' } });
    const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
    headers = { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
    const admin = (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token;
    const res = await t.gql(
      `mutation { updateIdentitySettings(data: { customIdentifiers: ["user_loyalty_id", "custom_identifier"] }) { customIdentifiers } }`,
      {},
      admin,
    );
    expect(res.errors).toBeUndefined();
  });
  afterAll(() => t.close());

  it('upserts a user with default and custom identifiers, typed attributes and events', async () => {
    const res = await raw(
      'post',
      '/upsert',
      `{
  "skip_hook": false,
  "users": [
    {
      "identifiers": {
        "email": "sample@useinsider.com",
        "uuid": "1x2y3z",
        "custom": {
          "user_loyalty_id": "xyz123"
        }
      },
      "attributes": {
        "email_optin": true,
        "age": 30,
        "language": "en_US",
        "static_segment_id": [
          1,
          2
        ],
        "birthday": "1980-01-01T00:00:00Z",
        "custom": {
          "favorite_color": [
            "green"
          ]
        }
      },
      "events": [
        {
          "event_name": "purchase",
          "timestamp": "2021-01-10T21:35:20Z",
          "event_params": {
            "product_id": "ABC21000",
            "name": "Your Product Name",
            "unit_price": 990.9,
            "unit_sale_price": 890.9,
            "event_group_id": "ORDER123",
            "taxonomy": [
              "Electronic",
              "Phone"
            ],
            "currency": "USD",
            "quantity": 1
          }
        },
        {
          "event_name": "account_created",
          "timestamp": "2021-01-17T14:41:21+03:00",
          "event_params": {
            "custom": {
              "customer_type": "trial",
              "trial_start_date": "2021-01-17T14:39:21+03:00",
              "trial_end_date": "2021-01-24T14:41:21+03:00"
            }
          }
        }
      ]
    }
  ]
}`,
    );
    expect([res.status, res.body]).toEqual([200, { data: { successful: { count: 1 }, fail: {} } }]);
    // an event of the profile sample's answer, so that it has something to show
    const more = await raw(
      'post',
      '/upsert',
      '{"users":[{"identifiers":{"email":"sample@useinsider.com"},"attributes":{"name":"John","surname":"Doe","custom":{"member_code":"M-77"}},"events":[{"event_name":"item_added_to_cart","timestamp":"2021-01-04T15:04:34Z","event_params":{"product_id":"3254634","name":"Blue Shirt","unit_price":20,"currency":"USD"}}]}]}',
    );
    expect(more.body).toEqual({ data: { successful: { count: 1 }, fail: {} } });
  });

  it('answers the profile sample: attributes with iid, events by name, quota', async () => {
    const res = await raw(
      'post',
      '/profile',
      `{
    "identifiers": {
        "email": "sample@useinsider.com"
    },
    "attributes": [
        "email",
        "name",
        "surname",
        "c_member_code"
    ],
    "events": {
        "start_date": 1606311893,
        "end_date": 1611582293,
        "wanted": [
            {
                "event_name": "email_click",
                "params": [
                    "campaign_id",
                    "timestamp"
                ]
            },
            {
                "event_name": "item_added_to_cart",
                "params": [
                    "product_id",
                    "name",
                    "timestamp"
                ]
            },
            {
                "event_name": "journey_entered",
                "params": [
                    "journey_id",
                    "timestamp"
                ]
            }
        ]
    },
    "quota": true
}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      attributes: {
        email: 'sample@useinsider.com',
        name: 'John',
        surname: 'Doe',
        c_member_code: 'M-77',
        iid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
      events: {
        email_click: [],
        item_added_to_cart: [{ product_id: '3254634', name: 'Blue Shirt', created_date: '2021-01-04T15:04:34Z' }],
        journey_entered: [],
      },
      quota: { cost: 1, used: 1, total: 1000 },
      iid: res.body.attributes.iid,
      identifiers: { email: 'sample@useinsider.com', uuid: '1x2y3z', custom: { user_loyalty_id: 'xyz123' } },
    });
  });

  it('upserts and reads by insider_id, replacing arrays with not_append', async () => {
    const iid = (await raw('post', '/profile', '{"identifiers":{"uuid":"1x2y3z"},"attributes":["name"]}')).body
      .attributes.iid as string;
    const res = await raw(
      'post',
      '/upsert',
      `{
  "skip_hook": false,
  "error_callback_endpoint":"http://your-error-callback-endpoint.yourdomain.com",
  "users": [
    {
      "insider_id": "${iid}",
      "attributes": {
        "email_optin": true,
        "age": 30,
        "language": "en_US",
        "list_id": [
          1,
          2
        ],
        "birthday": "1980-01-01T00:00:00Z",
        "custom": {
          "favorite_color": [
            "blue"
          ]
        }
      },
      "not_append": true,
      "events": [
        {
          "event_name": "purchase",
          "timestamp": "2021-01-10T21:35:20Z",
          "event_params": {
            "product_id": "ABC21000",
            "name": "Your Product Name",
            "unit_price": 990.9,
            "unit_sale_price": 890.9,
            "event_group_id": "ORDER123",
            "taxonomy": [
              "Electronic",
              "Phone"
            ],
            "currency": "USD",
            "quantity": 1
          }
        }
      ]
    }
  ]
}`,
    );
    expect(res.body).toEqual({ data: { successful: { count: 1 }, fail: {} } });
    const profile = await raw(
      'post',
      '/profile',
      `{
  "insider_id": "${iid}",
  "attributes": [
    "email",
    "name",
    "surname",
    "list_id",
    "static_segment_id",
    "c_favorite_color"
  ],
  "events": {
    "start_date": 1606311893,
    "end_date": 1611582293,
    "wanted": [
      {
        "event_name": "purchase",
        "params": [
          "product_id",
          "unit_sale_price",
          "timestamp"
        ]
      }
    ]
  }
}`,
    );
    expect(profile.body.attributes).toEqual({
      email: 'sample@useinsider.com',
      name: 'John',
      surname: 'Doe',
      list_id: [1, 2],
      static_segment_id: [1, 2],
      c_favorite_color: ['blue'],
      iid,
    });
    expect(profile.body.events).toEqual({
      purchase: [
        { product_id: 'ABC21000', unit_sale_price: 890.9, created_date: '2021-01-10T21:35:20Z' },
        { product_id: 'ABC21000', unit_sale_price: 890.9, created_date: '2021-01-10T21:35:20Z' },
      ],
    });
  });

  it('deletes attributes with the documented body', async () => {
    await raw(
      'post',
      '/upsert',
      '{"users":[{"identifiers":{"email":"sample@useinsider.com"},"attributes":{"custom":{"custom_string_attribute":"x","custom_array_attribute":["value1","value2","value3","value4"]}}}]}',
    );
    const res = await raw(
      'post',
      '/attribute/delete',
      `{
    "users": [
        {
            "identifiers": {
                "email": "sample@useinsider.com",
                "uuid": "1x2y3z",
                "custom": {
                    "custom_identifier": "xyz123"
                }
            },
            "whole": [
                "name",
                "surname",
                "email_optin"
            ],
            "partial": {
                "list_id": [
                    1,
                    2
                ]
            },
            "custom": {
                "whole": [
                    "custom_string_attribute"
                ],
                "partial": {
                    "custom_array_attribute": [
                        "value1",
                        "value2",
                        "value3"
                    ]
                }
            }
        }
    ]
}`,
    );
    expect([res.status, res.body]).toEqual([200, { data: { successful: { count: 1 }, fail: {} } }]);
    const profile = await raw(
      'post',
      '/profile',
      '{"identifiers":{"email":"sample@useinsider.com"},"attributes":["name","surname","email_optin","list_id","age","c_custom_string_attribute","c_custom_array_attribute"]}',
    );
    expect(profile.body.attributes).toEqual({
      list_id: [],
      age: 30,
      c_custom_array_attribute: ['value4'],
      iid: profile.body.iid,
    });
  });

  it('deletes an identifier with the documented custom body, never the sole one', async () => {
    const res = await raw(
      'delete',
      '/identity',
      '{\n  "identifiers": {\n    "custom": {\n      "user_loyalty_id": "xyz123"\n    }\n  }\n}',
    );
    expect([res.status, res.body]).toEqual([200, {}]);
    await raw(
      'post',
      '/upsert',
      '{"users":[{"identifiers":{"email":"sample@mail.com"},"attributes":{"name":"Solo"}}]}',
    );
    const sole = await raw(
      'delete',
      '/identity',
      '{\n    "identifiers": {\n        "email": "sample@mail.com"\n    }\n}',
    );
    expect([sole.status, sole.body]).toEqual([
      400,
      { error: 'you cannot delete the sole identifier specified for a user: bad request' },
    ]);
  });

  it('deletes a user profile with the documented bodies, then answers 404', async () => {
    await raw(
      'post',
      '/upsert',
      '{"users":[{"identifiers":{"email":"example@useinsider.com"},"attributes":{"name":"Ex"}},{"identifiers":{"custom":{"custom_identifier":"xyz123"}},"attributes":{"name":"Cu"}}]}',
    );
    const byEmail = await raw(
      'post',
      '/delete',
      '{\n   "identifiers":{\n      "email":"example@useinsider.com"\n   }\n}',
    );
    expect([byEmail.status, byEmail.body]).toEqual([200, {}]);
    const byCustom = await raw(
      'post',
      '/delete',
      '{\n   "identifiers":{\n      "custom":{"custom_identifier":"xyz123"}\n   }\n}',
    );
    expect([byCustom.status, byCustom.body]).toEqual([200, {}]);
    const again = await raw(
      'post',
      '/delete',
      '{\n   "identifiers":{\n      "email":"example@useinsider.com"\n   }\n}',
    );
    expect([again.status, again.body]).toEqual([404, { error: 'no such user for these identifiers: no data' }]);
    const profile = await raw(
      'post',
      '/profile',
      '{"identifiers":{"custom":{"custom_identifier":"xyz123"}},"attributes":["name"]}',
    );
    expect([profile.status, profile.body]).toEqual([404, { error: 'no such user for these identifiers: no data' }]);
  });

  it('refuses bad /profile requests with what is wrong', async () => {
    const cases: [string, string][] = [
      [
        '{"identifiers":{"email":"sample@useinsider.com"},"events":{"start_date":"last week","end_date":1611582293}}',
        'events.start_date must be an epoch timestamp in seconds (e.g. 1606311893) or an RFC 3339 date-time: bad request',
      ],
      [
        '{"identifiers":{"email":"sample@useinsider.com"},"events":{"start_date":1611582293,"end_date":1606311893}}',
        'events.end_date is before events.start_date: bad request',
      ],
      [
        '{"identifiers":{"email":"sample@useinsider.com"},"events":{"start_date":1,"end_date":2,"wanted":[{"event_name":"Bad Name"}]}}',
        'events.wanted.0.event_name must be 1 to 128 lowercase letters, digits or "_": bad request',
      ],
      [
        '{"identifiers":{"email":"sample@useinsider.com"},"attributes":"name"}',
        'attributes must be an array of at most 500 attribute names: bad request',
      ],
      ['{"identifiers":{"email":"sample@useinsider.com"},"quota":"yes"}', 'quota must be true or false: bad request'],
      ['{"identifiers":{"fax":"123"}}', 'no valid identifier: bad request'],
    ];
    for (const [body, error] of cases) {
      const res = await raw('post', '/profile', body);
      expect([res.status, res.body]).toEqual([400, { error }]);
    }
  });
});

describe('partner API wire errors', () => {
  it('refuses a declared Content-Length over 5,000,000 bytes without reading the body', async () => {
    const t = await startTestApp({ env: { PARTNER_NAME: 'mybrand' } });
    try {
      const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
      const server = t.app.getHttpServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      // Only the head and a few bytes are sent: an answer proves nothing waited for (or parsed) the rest.
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(
            `POST ${BASE}/upsert HTTP/1.1\r\nHost: localhost\r\nX-PARTNER-NAME: mybrand\r\nX-REQUEST-TOKEN: ${token}\r\n` +
              'Content-Type: application/json\r\nContent-Length: 5000001\r\n\r\n{"users":[',
          ),
        );
        let data = '';
        const timer = setTimeout(() => reject(new Error(`no answer; got ${JSON.stringify(data)}`)), 5000);
        socket.on('data', (chunk) => {
          data += String(chunk);
          const [, body] = data.split('\r\n\r\n');
          if (body && body.trim().endsWith('}')) {
            clearTimeout(timer);
            socket.destroy();
            resolve(data);
          }
        });
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(answer.split('\r\n\r\n')[1])).toEqual(TOO_LARGE);
    } finally {
      await t.close();
    }
  });

  it('answers a body over the limit as too large even when it is not JSON, and takes one at the limit', async () => {
    const t = await startTestApp({ env: { PARTNER_NAME: 'mybrand' } });
    try {
      const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
      const headers = { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
      const over = await t.rest('post', `${BASE}/upsert`, { headers, raw: `{{{${'x'.repeat(5_000_000)}` });
      expect([over.status, over.body]).toEqual([400, TOO_LARGE]);
      const head = '{"users":[{"identifiers":{"uuid":"at-the-limit"},"attributes":{"name":"Max"}}],"padding":"';
      const exact = head + 'x'.repeat(5_000_000 - head.length - 2) + '"}';
      expect(Buffer.byteLength(exact)).toBe(5_000_000);
      const ok = await t.rest('post', `${BASE}/upsert`, { headers, raw: exact });
      expect([ok.status, ok.body]).toEqual([200, { data: { successful: { count: 1 }, fail: {} } }]);
    } finally {
      await t.close();
    }
  });

  it('answers an unexpected failure with the unknown-error body, no detail, and logs it with the request id', async () => {
    const t = await startTestApp({ env: { PARTNER_NAME: 'mybrand' }, captureLogs: true });
    try {
      const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
      const headers = {
        'X-PARTNER-NAME': 'mybrand',
        'X-REQUEST-TOKEN': token,
        'Content-Type': 'application/json',
        'X-Request-Id': 'broken-db-1',
      };
      await t.dataSource.query('DROP TABLE identity_events');
      const res = await t.rest('post', `${BASE}/upsert`, {
        headers,
        body: {
          users: [
            { identifiers: { uuid: 'u1' }, events: [{ event_name: 'login', timestamp: '2024-05-17T10:00:00Z' }] },
          ],
        },
      });
      expect([res.status, res.body]).toEqual([500, UNKNOWN]);
      expect(res.text).not.toMatch(/identity_events|SQL|at .*\.ts/);
      const logged = t.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed');
      expect(logged).toMatchObject({ reqId: 'broken-db-1' });
      // the user's transaction was rolled back: nothing of it was written
      const profile = await t.rest('post', `${BASE}/profile`, { headers, body: { identifiers: { uuid: 'u1' } } });
      expect([profile.status, profile.body]).toEqual([404, { error: 'no such user for these identifiers: no data' }]);
    } finally {
      await t.close();
    }
  });
});
