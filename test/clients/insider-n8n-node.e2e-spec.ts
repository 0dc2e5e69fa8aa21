import { Permission, Scope } from '../../src/auth/permissions';
import { seedApiToken, seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * Issue 12: Insider One's official n8n node (useinsider/n8n-nodes-insiderone 1.0.4) against Identity Hub.
 * The requests below are built the way the node builds them from its parameters (written for this test:
 * the same methods, paths, headers and body shapes, with n8n's habits — every "assignment" value is a
 * string, the UI's "Locale" is `locale`, "Custom Event Parameters" go in the event's own `custom`, the
 * "Get All Attributes" switch sends `["*"]`) and each must have the outcome the node means.
 */
const PARTNER = 'mybrand';

/** n8n "assignment collection" values: name → value, always strings in the UI's default field type. */
type Assignments = Record<string, string>;

interface NodeUpsertItem {
  identifiers: { email?: string; uuid?: string; phone_number?: string; insider_id?: string };
  customIdentifiers?: Assignments;
  attributes?: Record<string, unknown>;
  extraDefaultAttributes?: Assignments;
  customAttributes?: Assignments;
  events?: { event_name: string; timestamp: string; event_params?: Assignments; custom?: Assignments }[];
  notAppend?: boolean;
}

/** The node's buildUserObject(): identifiers, attributes (UI mode), events, not_append (true by default). */
function nodeUser(item: NodeUpsertItem) {
  const { insider_id, ...ids } = item.identifiers;
  const user: Record<string, unknown> = {};
  if (insider_id) user.insider_id = insider_id;
  const identifiers: Record<string, unknown> = { ...ids };
  if (item.customIdentifiers) identifiers.custom = { ...item.customIdentifiers };
  if (Object.keys(identifiers).length) user.identifiers = identifiers;
  const attributes: Record<string, unknown> = { ...item.attributes, ...item.extraDefaultAttributes };
  if (item.customAttributes) attributes.custom = { ...item.customAttributes };
  if (typeof attributes.birthday === 'string' && !attributes.birthday.endsWith('Z')) attributes.birthday += 'Z';
  if (typeof attributes.static_segment_id === 'string') {
    attributes.static_segment_id = attributes.static_segment_id.split(',').map((id) => parseInt(id.trim(), 10));
  }
  for (const key of Object.keys(attributes))
    if (attributes[key] === '' || attributes[key] === 0) delete attributes[key];
  const events = (item.events ?? []).map((ev) => {
    const event: Record<string, unknown> = {
      event_name: ev.event_name,
      timestamp: ev.timestamp.endsWith('Z') ? ev.timestamp : `${ev.timestamp}Z`,
    };
    if (ev.event_params) event.event_params = { ...ev.event_params };
    if (ev.custom) event.custom = { ...ev.custom };
    return event;
  });
  return { ...user, attributes, events, not_append: item.notAppend ?? true };
}

describe("Insider One's n8n node (issue 12)", () => {
  let t: TestApp;
  let headers: Record<string, string>;
  let admin: string;

  /** httpRequestWithAuthentication: the credential's three headers, a JSON body. */
  const call = (method: 'post' | 'patch' | 'delete', path: string, body: unknown) =>
    t.rest(method, path, { body, headers });
  const ok = async (method: 'post' | 'patch' | 'delete', path: string, body: unknown) => {
    const res = await call(method, path, body);
    expect([path, res.status]).toEqual([path, 200]);
    return res.body;
  };
  const everything = async (identifiers: Record<string, unknown>) =>
    (await ok('post', '/api/user/v1/profile', { identifiers, attributes: ['*'] })).attributes;

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: PARTNER } });
    const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
    // the credential's authenticate block
    headers = { 'X-PARTNER-NAME': PARTNER, 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
    admin = (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token;
    const declared = await t.gql(
      `mutation { updateIdentitySettings(data: { customIdentifiers: ["user_loyalty_id"] }) { customIdentifiers } }`,
      {},
      admin,
    );
    expect(declared.errors).toBeUndefined();
  });
  afterAll(() => t.close());

  it("passes the credential test (POST /api/user/v3/metadata/columns, {table: 'contacts'})", async () => {
    const res = await call('post', '/api/user/v3/metadata/columns', { table: 'contacts' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.arrayContaining([{ key: 'name', display_name: 'Name', type: 'string' }]));
    // and refuses a wrong token, as the test should
    const wrong = await t.rest('post', '/api/user/v3/metadata/columns', {
      body: { table: 'contacts' },
      headers: { ...headers, 'X-REQUEST-TOKEN': 'not-a-token' },
    });
    expect(wrong.status).toBe(403);
  });

  it('Create or Update (UI mode): locale, email and phone attributes, numeric strings, custom event parameters', async () => {
    const body = {
      users: [
        nodeUser({
          identifiers: { email: 'jane.doe@example.com', uuid: 'n8n-jane' },
          customIdentifiers: { user_loyalty_id: 'LOY-1' },
          attributes: {
            name: 'Jane',
            surname: 'Doe',
            age: 34,
            birthday: '1990-05-17T00:00:00',
            gender: 'female',
            city: 'Helsinki',
            country: 'FI',
            language: 'fi',
            locale: 'fi_FI',
            email_optin: true,
            gdpr_optin: true,
            sms_optin: false,
            whatsapp_optin: false,
            static_segment_id: '1, 2',
          },
          extraDefaultAttributes: { phone_number: '+358 40 123 4567', email: 'jane.doe@example.com' },
          customAttributes: { loyalty_tier: 'gold', points: '120' },
          events: [
            {
              event_name: 'purchase',
              timestamp: '2024-05-17T10:00:00',
              event_params: {
                product_id: 'SKU-1',
                name: 'Trail shoe',
                unit_price: '129.9',
                unit_sale_price: '99.9',
                currency: 'EUR',
                quantity: '2',
                event_group_id: 'ORDER-1',
              },
              custom: { gift_wrap: 'yes', store: 'Kamppi' },
            },
          ],
        }),
      ],
      skip_hook: false,
    };
    expect(await ok('post', '/api/user/v1/upsert', body)).toEqual({
      data: { successful: { count: 1 }, fail: {} },
    });
    const profile = await ok('post', '/api/user/v1/profile', {
      identifiers: { email: 'jane.doe@example.com' },
      attributes: ['locale', 'lo', 'age', 'static_segment_id', 'phone_number', 'email', 'c_points'],
      events: {
        start_date: parseInt('1704067200', 10),
        end_date: parseInt('1767225600', 10),
        wanted: [{ event_name: 'purchase' }],
      },
    });
    expect(profile.attributes).toEqual({
      locale: 'fi_FI',
      lo: 'fi_FI',
      age: 34,
      static_segment_id: [1, 2],
      phone_number: '+358401234567',
      email: 'jane.doe@example.com',
      c_points: '120', // a custom attribute keeps the type it was sent with
      iid: profile.iid,
    });
    expect(profile.identifiers).toEqual({
      email: 'jane.doe@example.com',
      uuid: 'n8n-jane',
      custom: { user_loyalty_id: 'LOY-1' },
    });
    expect(profile.events.purchase).toEqual([
      {
        product_id: 'SKU-1',
        name: 'Trail shoe',
        unit_price: 129.9,
        unit_sale_price: 99.9,
        currency: 'EUR',
        quantity: 2,
        event_group_id: 'ORDER-1',
        custom: { gift_wrap: 'yes', store: 'Kamppi' },
        created_date: '2024-05-17T10:00:00Z',
      },
    ]);
  });

  it('Create or Update (batch of two, JSON mode) with skip_hook and error_callback_endpoint', async () => {
    const body = {
      users: [
        nodeUser({
          identifiers: { uuid: 'n8n-bob' },
          attributes: { name: 'Bob', email_optin: true, list_id: [3] },
          events: [{ event_name: 'session_start', timestamp: '2024-05-18T08:00:00Z' }],
          notAppend: false,
        }),
        nodeUser({
          identifiers: { phone_number: '+6598765432' },
          attributes: { name: 'Ann' },
          customAttributes: { favourite_colours: 'green' },
        }),
      ],
      skip_hook: true,
      error_callback_endpoint: 'https://hooks.example.com/insider-errors',
    };
    expect(await ok('post', '/api/user/v1/upsert', body)).toEqual({ data: { successful: { count: 2 }, fail: {} } });
    expect(await everything({ uuid: 'n8n-bob' })).toMatchObject({ name: 'Bob', email_optin: true, list_id: [3] });
  });

  it('fills the dropdowns: attribute columns, custom (array) attributes, event names and their parameters', async () => {
    await ok('post', '/api/user/v1/upsert', {
      users: [nodeUser({ identifiers: { uuid: 'n8n-arrays' }, attributes: { custom: { sizes: ['42', '43'] } } })],
    });
    const contacts = await ok('post', '/api/user/v3/metadata/columns', { table: 'contacts' });
    // getAttributeColumns
    const attributeOptions = contacts.map((c: any) => ({ name: c.display_name || c.key, value: c.key }));
    expect(attributeOptions).toEqual(
      expect.arrayContaining([
        { name: 'Locale', value: 'lo' },
        { name: 'Email', value: 'email' },
        { name: 'loyalty_tier', value: 'c_loyalty_tier' },
      ]),
    );
    // getCustomAttributes and getCustomArrayAttributes
    const custom = contacts.filter((c: any) => c.key.startsWith('c_')).map((c: any) => c.key.replace(/^c_/, ''));
    expect(custom).toEqual(['favourite_colours', 'loyalty_tier', 'points', 'sizes']);
    const arrays = contacts.filter((c: any) => c.key.startsWith('c_') && c.type === 'array').map((c: any) => c.key);
    expect(arrays).toEqual(['c_sizes']);
    // getEventNames, getEventParams for the selected event
    const events = await ok('post', '/api/user/v3/metadata/columns', { table: 'events' });
    expect(events.map((e: any) => e.key)).toEqual(['purchase', 'session_start']);
    const purchase = events.find((e: any) => e.key === 'purchase');
    expect(purchase.params.map((p: any) => p.key)).toEqual([
      'currency',
      'event_group_id',
      'name',
      'product_id',
      'quantity',
      'unit_price',
      'unit_sale_price',
      'c_gift_wrap',
      'c_store',
    ]);
  });

  it('Get User Profiles: "Get All Attributes", chosen attributes, events with params, quota, by insider_id', async () => {
    const all = await ok('post', '/api/user/v1/profile', { identifiers: { uuid: 'n8n-jane' }, attributes: ['*'] });
    expect(all.attributes).toEqual({
      name: 'Jane',
      surname: 'Doe',
      age: 34,
      birthday: '1990-05-17T00:00:00Z',
      gender: 'female',
      city: 'Helsinki',
      country: 'FI',
      language: 'fi',
      lo: 'fi_FI',
      email_optin: true,
      gdpr_optin: true,
      sms_optin: false,
      whatsapp_optin: false,
      static_segment_id: [1, 2],
      phone_number: '+358401234567',
      email: 'jane.doe@example.com',
      uuid: 'n8n-jane',
      c_loyalty_tier: 'gold',
      c_points: '120',
      iid: all.iid,
    });
    const chosen = await ok('post', '/api/user/v1/profile', {
      insider_id: all.iid,
      attributes: ['name', 'c_loyalty_tier'],
      events: {
        start_date: parseInt('1704067200', 10),
        end_date: parseInt('1767225600', 10),
        wanted: [
          { event_name: 'purchase', params: 'product_id, unit_price, c_gift_wrap'.split(',').map((s) => s.trim()) },
        ],
      },
      quota: true,
    });
    expect(chosen).toMatchObject({
      attributes: { name: 'Jane', c_loyalty_tier: 'gold', iid: all.iid },
      events: {
        purchase: [
          { product_id: 'SKU-1', unit_price: 129.9, c_gift_wrap: 'yes', created_date: '2024-05-17T10:00:00Z' },
        ],
      },
      quota: { cost: 1, used: expect.any(Number), total: 1000 },
    });
  });

  it('Update Identifiers and Delete Identifiers', async () => {
    expect(
      await ok('patch', '/api/user/v1/identity', {
        old_identifier: { email: 'jane.doe@example.com' },
        new_identifier: { email: 'jane@example.com' },
      }),
    ).toEqual({});
    expect(
      await ok('delete', '/api/user/v1/identity', { identifiers: { custom: { user_loyalty_id: 'LOY-1' } } }),
    ).toEqual({});
    const profile = await ok('post', '/api/user/v1/profile', {
      identifiers: { uuid: 'n8n-jane' },
      attributes: ['email'],
    });
    expect(profile.identifiers).toEqual({ email: 'jane@example.com', uuid: 'n8n-jane' });
    // the contact attribute sent earlier is not the identifier: it keeps its value
    expect(profile.attributes.email).toBe('jane.doe@example.com');
  });

  it('Delete User Attribute (UI mode): lo, email, phone_number and uuid by name, partial lists, custom ones', async () => {
    const body = {
      users: [
        {
          identifiers: { email: 'jane@example.com' },
          whole: ['lo', 'email', 'phone_number', 'uuid', 'city'],
          partial: { static_segment_id: [1] },
          custom: { whole: ['points'] },
        },
        {
          identifiers: { uuid: 'n8n-arrays' },
          custom: { partial: { sizes: ['42'] } },
        },
      ],
    };
    expect(await ok('post', '/api/user/v1/attribute/delete', body)).toEqual({
      data: { successful: { count: 2 }, fail: {} },
    });
    const jane = await ok('post', '/api/user/v1/profile', {
      identifiers: { uuid: 'n8n-jane' },
      attributes: ['lo', 'city', 'static_segment_id', 'c_points', 'email', 'phone_number', 'uuid'],
    });
    // the contact attributes are gone; email and uuid now answer the identifiers, which stay
    expect(jane.attributes).toEqual({
      static_segment_id: [2],
      email: 'jane@example.com',
      uuid: 'n8n-jane',
      iid: jane.iid,
    });
    expect(jane.identifiers).toEqual({ email: 'jane@example.com', uuid: 'n8n-jane' });
    expect((await everything({ uuid: 'n8n-arrays' })).c_sizes).toEqual(['43']);
  });

  it("Delete User's PII Data by identifiers and by insider_id, and Insider's 404 for an unknown user", async () => {
    expect(await ok('post', '/api/user/v1/anonymize', { identifiers: { email: 'jane@example.com' } })).toEqual({});
    const jane = await everything({ uuid: 'n8n-jane' });
    expect(jane).toEqual({
      language: 'fi',
      email_optin: true,
      gdpr_optin: true,
      sms_optin: false,
      whatsapp_optin: false,
      static_segment_id: [2],
      c_loyalty_tier: 'gold',
      email: 'jane@example.com',
      uuid: 'n8n-jane',
      iid: jane.iid,
    });
    const ann = await ok('post', '/api/user/v1/profile', {
      identifiers: { phone_number: '+6598765432' },
      attributes: ['name'],
    });
    expect(await ok('post', '/api/user/v1/anonymize', { insider_id: ann.iid })).toEqual({});
    expect((await everything({ phone_number: '+6598765432' })).name).toBeUndefined();
    const unknown = await call('post', '/api/user/v1/anonymize', { identifiers: { uuid: 'nobody' } });
    expect([unknown.status, unknown.body]).toEqual([404, { error: 'no such user for these identifiers: no data' }]);
  });

  it('Delete User Profile', async () => {
    expect(await ok('post', '/api/user/v1/delete', { identifiers: { uuid: 'n8n-bob' } })).toEqual({});
    const gone = await call('post', '/api/user/v1/profile', { identifiers: { uuid: 'n8n-bob' }, attributes: ['*'] });
    expect([gone.status, gone.body]).toEqual([404, { error: 'no such user for these identifiers: no data' }]);
  });
});
