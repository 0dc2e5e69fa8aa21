import { Scope } from '../../src/auth/permissions';
import { IdentityCatalogue1795976514162 as PostgresCatalogue } from '../../src/database/migrations/postgres/1795976514162-IdentityCatalogue';
import { IdentityCatalogue1795976514162 as SqliteCatalogue } from '../../src/database/migrations/sqlite/1795976514162-IdentityCatalogue';
import { DEFAULT_ATTRIBUTE_COLUMNS } from '../../src/identity/partner-api/partner-metadata';
import { seedApiToken } from '../helpers/factories';
import { PartnerApp, partnerCalls, startPartnerApp } from '../helpers/partner';
import { isPostgres, startTestApp, TestApp } from '../helpers/test-app';

const COLUMNS = '/api/user/v3/metadata/columns';

/**
 * Issue 12: `POST /api/user/v3/metadata/columns`, which Insider's n8n node calls for its credential test
 * and its dropdowns, answered from the default attributes and a catalogue of the names written.
 */
describe('POST /api/user/v3/metadata/columns', () => {
  let t: TestApp;
  let app: PartnerApp;
  const { upsert } = partnerCalls(() => app);
  const columns = (table: unknown, extra: Record<string, string> = {}) =>
    t.rest('post', COLUMNS, { body: { table }, headers: { ...app.headers, ...extra } });
  const statements: string[] = [];

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t } = app);
    const logger = t.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query, parameters, queryRunner) => {
      statements.push(query);
      return original(query, parameters, queryRunner);
    };
  });
  afterAll(() => t.close());

  it('answers the default attributes, and no events, on an empty service', async () => {
    const contacts = await columns('contacts');
    expect([contacts.status, contacts.body]).toEqual([200, DEFAULT_ATTRIBUTE_COLUMNS]);
    expect(contacts.body).toContainEqual({ key: 'lo', display_name: 'Locale', type: 'string' });
    expect(contacts.body).toContainEqual({ key: 'email', display_name: 'Email', type: 'string' });
    expect(await columns('events')).toMatchObject({ status: 200, body: [] });
  });

  it('lists the custom attributes, events and parameters written through either API, with their types', async () => {
    const res = await upsert([
      {
        identifiers: { uuid: 'meta-1' },
        attributes: {
          name: 'Meta',
          custom: { loyalty_tier: 'gold', favourite_colours: ['green'], points: 12, vip: true },
        },
        events: [
          {
            event_name: 'purchase',
            timestamp: '2024-05-17T10:00:00Z',
            event_params: {
              event_group_id: 'O-1',
              currency: 'EUR',
              unit_sale_price: '9.90',
              quantity: 1,
              product_id: 'SKU-1',
              custom: { gift_wrap: true },
            },
            custom: { channel: 'store' },
          },
          { event_name: 'session_start', timestamp: '2024-05-17T10:00:00Z' },
        ],
      },
      // a failed user writes nothing: its names are not listed
      { identifiers: { uuid: 'meta-2' }, attributes: { age: 'old', custom: { never_written: 'x' } } },
    ]);
    expect(res.body.data.successful.count).toBe(1);
    const nosto = await t.gql(
      `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id } }`,
      { identity: { email: 'meta@example.com', attributes: [{ name: 'shoe-size', value: '42' }] } },
      { basic: (await seedApiToken(t, [Scope.IdentitiesWrite])).token },
    );
    expect(nosto.errors).toBeUndefined();

    const contacts = (await columns('contacts')).body;
    expect(contacts.slice(0, DEFAULT_ATTRIBUTE_COLUMNS.length)).toEqual(DEFAULT_ATTRIBUTE_COLUMNS);
    expect(contacts.slice(DEFAULT_ATTRIBUTE_COLUMNS.length)).toEqual([
      { key: 'c_favourite_colours', display_name: 'favourite_colours', type: 'array' },
      { key: 'c_loyalty_tier', display_name: 'loyalty_tier', type: 'string' },
      { key: 'c_points', display_name: 'points', type: 'number' },
      { key: 'c_shoe-size', display_name: 'shoe-size', type: 'string' },
      { key: 'c_vip', display_name: 'vip', type: 'boolean' },
    ]);
    const events = (await columns('events')).body;
    expect(events).toEqual([
      {
        key: 'purchase',
        display_name: 'Purchase',
        params: [
          { key: 'currency', display_name: 'Currency', type: 'string' },
          { key: 'event_group_id', display_name: 'Event Group ID', type: 'string' },
          { key: 'product_id', display_name: 'Product ID', type: 'string' },
          { key: 'quantity', display_name: 'Quantity', type: 'number' },
          // sent as "9.90", stored as a number
          { key: 'unit_sale_price', display_name: 'Unit Sale Price', type: 'number' },
          { key: 'c_channel', display_name: 'channel', type: 'string' },
          { key: 'c_gift_wrap', display_name: 'gift_wrap', type: 'boolean' },
        ],
      },
      { key: 'session_start', display_name: 'Session Start', params: [] },
    ]);
  });

  it('records a name once: writes of known names add no statement, and a read is one small query', async () => {
    const user = (i: number) => ({
      identifiers: { uuid: `known-${i}` },
      attributes: { custom: { loyalty_tier: 'silver' } },
      events: [{ event_name: 'session_start', timestamp: '2024-05-18T10:00:00Z' }],
    });
    statements.length = 0;
    await upsert([user(1), user(2)]);
    expect(statements.filter((s) => s.includes('identity_catalogue'))).toEqual([]);
    statements.length = 0;
    await upsert([user(3)]); // one user: written on its own path
    expect(statements.filter((s) => s.includes('identity_catalogue'))).toEqual([]);

    statements.length = 0;
    await columns('contacts');
    const reads = statements.filter((s) => /^\s*SELECT/i.test(s));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatch(/FROM identity_catalogue WHERE kind IN/);
    expect(reads[0]).not.toMatch(/identity_(attributes|events|profiles)/);
  });

  it('refuses another table, a wrong partner name and a token without identities:write', async () => {
    expect(await columns('users')).toMatchObject({
      status: 400,
      body: { error: 'table must be "contacts" or "events": bad request' },
    });
    const empty = await t.rest('post', COLUMNS, { body: {}, headers: app.headers });
    expect([empty.status, empty.body]).toEqual([400, { error: 'table must be "contacts" or "events": bad request' }]);
    expect(await columns('contacts', { 'X-PARTNER-NAME': 'Mybrand' })).toMatchObject({
      status: 400,
      body: { success: false, message: 'Partner is invalid.' },
    });
    const reader = (await seedApiToken(t, [Scope.IdentitiesRead])).token;
    expect(await columns('contacts', { 'X-REQUEST-TOKEN': reader })).toMatchObject({
      status: 403,
      body: { success: false, message: 'Access Denied. You do not have sufficient access to perform this action.' },
    });
  });

  it('is filled from the data already stored when the migration runs', async () => {
    const before = { contacts: (await columns('contacts')).body, events: (await columns('events')).body };
    const migration = isPostgres() ? new PostgresCatalogue() : new SqliteCatalogue();
    const runner = t.dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    expect((await columns('contacts')).body).toEqual(before.contacts);
    expect((await columns('events')).body).toEqual(before.events);
  });
});

describe('POST /api/user/v3/metadata/columns rate limit', () => {
  it('has its own family (RATE_LIMIT_PARTNER_METADATA, 1,000 a minute by default)', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_PARTNER_METADATA: '1' } });
    try {
      const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
      const headers = { 'X-PARTNER-NAME': 'default', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
      expect((await t.rest('post', COLUMNS, { body: { table: 'events' }, headers })).status).toBe(200);
      const second = await t.rest('post', COLUMNS, { body: { table: 'events' }, headers });
      expect([second.status, second.body]).toEqual([429, { error: 'rejected: too many requests' }]);
      expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
    }
  });
});
