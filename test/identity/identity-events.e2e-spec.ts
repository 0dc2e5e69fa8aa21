import { Permission, Scope } from '../../src/auth/permissions';
import { query } from '../../src/database/sql';
import { recentEventsStatement } from '../../src/identity/event-query';
import { verifyEmail } from '../helpers/account-mail';
import { seedApiToken, seedCustomerToken, seedUser } from '../helpers/factories';
import { Credential, startTestApp, TestApp } from '../helpers/test-app';

/**
 * `Identity.events` (SPEC §11: a customer's page shows the profile's recent events): the events the
 * partner API's /upsert stored, newest first, with their parameters as /profile answers them; the
 * identity's read rule (the owner, the identities scopes, canManageIdentities) covers them.
 */

const PARTNER = 'mybrand';
const GUARD_MESSAGE = 'You do not have permission to perform this action';
const PROFILE_MESSAGE =
  "Reading another person's identity profile needs the identities:read or identities:write scope or the canManageIdentities permission";

const EVENTS = `query($email: String!, $take: Int, $where: IdentityEventWhereInput) {
  identity(email: $email) { id events(take: $take, where: $where) { name timestamp params } }
}`;

/** 2024-05-01 10:mm:ss UTC */
const at = (minute: number, second = 0) => new Date(Date.UTC(2024, 4, 1, 10, minute, second)).toISOString();

interface Customer {
  id: string;
  email: string;
  session: string;
  profileId: string;
}

describe('Identity.events: a profile’s recent events', () => {
  let t: TestApp;
  let admin: string;
  let write: string;
  let a: Customer;
  let b: Customer;

  const gql = (document: string, variables: Record<string, unknown>, credential: Credential) =>
    t.gql(document, variables, credential);
  const partner = (path: string, body: unknown) =>
    t.rest('post', `/api/user/v1${path}`, {
      body,
      headers: { 'X-PARTNER-NAME': PARTNER, 'X-REQUEST-TOKEN': write, 'Content-Type': 'application/json' },
    });

  /** A customer with a session whose account is linked to their profile (their email verified, SPEC §7). */
  async function customer(): Promise<Customer> {
    const seeded = await seedUser(t);
    const email = seeded.user.email!;
    await verifyEmail(t, email, seeded.token);
    const me = await gql(`{ authenticatedItem { identity { id } } }`, {}, seeded.token);
    expect(me.errors).toBeUndefined();
    return {
      id: seeded.user.id,
      email,
      session: seeded.token,
      profileId: me.data.authenticatedItem.identity.id,
    };
  }

  // A's 24 page views (10:00 … 10:23, sent oldest last) and a purchase at 10:10:30; B's one page view.
  const views = Array.from({ length: 24 }, (_, i) => ({
    event_name: 'page_view',
    timestamp: at(i),
    event_params: { url: `https://shop.example/p/${i}` },
  })).reverse();
  const purchase = {
    event_name: 'purchase',
    timestamp: at(10, 30),
    event_params: {
      event_group_id: 'order-1',
      currency: 'EUR',
      unit_sale_price: '19.90',
      quantity: '2',
      product_id: 'sku-1',
      custom: { gift: true },
    },
    custom: { channel: 'app' },
  };
  /** the purchase's params as stored: numbers for the numeric strings, both `custom`s together */
  const storedPurchase = {
    event_group_id: 'order-1',
    currency: 'EUR',
    unit_sale_price: 19.9,
    quantity: 2,
    product_id: 'sku-1',
    custom: { gift: true, channel: 'app' },
  };
  const newestFirst = [...views, purchase]
    .map((e) => e.timestamp)
    .sort()
    .reverse()
    .map((iso) => new Date(iso).toISOString());

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: PARTNER } });
    admin = (await seedUser(t, { permissions: 'all' })).token;
    write = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
    a = await customer();
    b = await customer();
    const upsert = await partner('/upsert', {
      users: [
        { identifiers: { email: a.email }, events: [views[0], purchase, ...views.slice(1)] },
        { identifiers: { email: b.email }, events: [{ event_name: 'page_view', timestamp: at(59) }] },
      ],
    });
    expect([upsert.status, upsert.body.data]).toEqual([200, { successful: { count: 2 }, fail: {} }]);
  });
  afterAll(() => t.close());

  it('an admin reads them newest first: take, the default page of 20, and every one with take 100', async () => {
    const three = await gql(EVENTS, { email: a.email, take: 3 }, admin);
    expect(three.errors).toBeUndefined();
    expect(three.data.identity).toEqual({
      id: a.profileId,
      events: [23, 22, 21].map((i) => ({
        name: 'page_view',
        timestamp: new Date(at(i)).toISOString(),
        params: { url: `https://shop.example/p/${i}` },
      })),
    });

    const page = await gql(EVENTS, { email: a.email }, admin);
    expect(page.data.identity.events.map((e: { timestamp: string }) => e.timestamp)).toEqual(newestFirst.slice(0, 20));
    const all = await gql(EVENTS, { email: a.email, take: 100 }, admin);
    expect(all.data.identity.events.map((e: { timestamp: string }) => e.timestamp)).toEqual(newestFirst);
    expect(all.data.identity.events).toHaveLength(25);
    const none = await gql(EVENTS, { email: a.email, take: 0 }, admin);
    expect(none.data.identity.events).toEqual([]);
  });

  it('filters by name and time, and answers the parameters as the partner API stores and returns them', async () => {
    const purchases = await gql(EVENTS, { email: a.email, where: { name: 'purchase' } }, admin);
    expect(purchases.errors).toBeUndefined();
    expect(purchases.data.identity.events).toEqual([
      { name: 'purchase', timestamp: '2024-05-01T10:10:30.000Z', params: storedPurchase },
    ]);
    // /profile answers the same parameters, the time as created_date
    const rest = await partner('/profile', {
      identifiers: { email: a.email },
      events: { start_date: at(0), end_date: at(59), wanted: [{ event_name: 'purchase' }] },
    });
    expect(rest.status).toBe(200);
    expect(rest.body.events).toEqual({ purchase: [{ ...storedPurchase, created_date: '2024-05-01T10:10:30Z' }] });

    // from is included, to is not
    const window = await gql(EVENTS, { email: a.email, where: { from: at(20), to: at(22) } }, admin);
    expect(window.data.identity.events.map((e: { timestamp: string }) => e.timestamp)).toEqual([
      new Date(at(21)).toISOString(),
      new Date(at(20)).toISOString(),
    ]);
    const viewsAfter = await gql(
      EVENTS,
      { email: a.email, take: 2, where: { name: 'page_view', from: at(10) } },
      admin,
    );
    expect(viewsAfter.data.identity.events.map((e: { params: { url: string } }) => e.params.url)).toEqual([
      'https://shop.example/p/23',
      'https://shop.example/p/22',
    ]);
  });

  it('reads each identity’s own page in a list, one loader per set of arguments', async () => {
    const res = await gql(
      `{ identities(take: 100) { id newest: events(take: 1) { timestamp } two: events(take: 2) { name } } }`,
      {},
      admin,
    );
    expect(res.errors).toBeUndefined();
    const byId = Object.fromEntries(res.data.identities.map((i: { id: string }) => [i.id, i]));
    expect(byId[a.profileId]).toEqual({
      id: a.profileId,
      newest: [{ timestamp: newestFirst[0] }],
      two: [{ name: 'page_view' }, { name: 'page_view' }],
    });
    expect(byId[b.profileId]).toEqual({
      id: b.profileId,
      newest: [{ timestamp: new Date(at(59)).toISOString() }],
      two: [{ name: 'page_view' }],
    });
  });

  it('a customer reads their own (session or customer token), never anyone else’s', async () => {
    const own = `{ authenticatedItem { identity { id events(take: 2) { name params } } } }`;
    for (const credential of [a.session, await seedCustomerToken(t, a.id)]) {
      const res = await gql(own, {}, credential);
      expect(res.errors).toBeUndefined();
      expect(res.data.authenticatedItem.identity).toEqual({
        id: a.profileId,
        events: [
          { name: 'page_view', params: { url: 'https://shop.example/p/23' } },
          { name: 'page_view', params: { url: 'https://shop.example/p/22' } },
        ],
      });
      // another person's profile: the identity queries are not a customer's
      const other = await gql(EVENTS, { email: b.email }, credential);
      expect([other.code, other.errors?.[0].message, other.data]).toEqual([
        'FORBIDDEN',
        GUARD_MESSAGE,
        { identity: null },
      ]);
    }
  });

  it('needs what the profile needs: FORBIDDEN for a role or a token without it, an identities scope suffices', async () => {
    // canReadUsers reads the account, not the profile behind it
    const reader = (await seedUser(t, { permissions: [Permission.CanReadUsers] })).token;
    const viaUser = await gql(
      `query($id: ID!) { user(where: { id: $id }) { id identity { events { name } } } }`,
      { id: b.id },
      reader,
    );
    expect(viaUser.data.user).toEqual({ id: b.id, identity: null });
    expect([viaUser.code, viaUser.errors?.[0].message, viaUser.errors?.[0].path]).toEqual([
      'FORBIDDEN',
      PROFILE_MESSAGE,
      ['user', 'identity'],
    ]);
    // a role without canManageIdentities, and a token with only the gdpr scope
    const support = (await seedUser(t, { permissions: [Permission.CanManageUsers, Permission.CanReadAudit] })).token;
    const gdpr = { basic: (await seedApiToken(t, [Scope.Gdpr])).token };
    for (const credential of [support, gdpr]) {
      const res = await gql(EVENTS, { email: b.email }, credential);
      expect([res.code, res.errors?.[0].message, res.data]).toEqual(['FORBIDDEN', GUARD_MESSAGE, { identity: null }]);
    }
    const read = { basic: (await seedApiToken(t, [Scope.IdentitiesRead])).token };
    const res = await gql(EVENTS, { email: b.email }, read);
    expect(res.errors).toBeUndefined();
    expect(res.data.identity.events).toEqual([
      { name: 'page_view', timestamp: new Date(at(59)).toISOString(), params: {} },
    ]);
  });

  it('refuses a bad take or filter with BAD_USER_INPUT and the reason', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ take: 101 }, 'take must not be greater than 100'],
      [{ take: -1 }, 'take must not be less than 0'],
      [{ where: { name: 'Page View' } }, 'where.name must be 1 to 128 lowercase letters, digits or "_"'],
      [{ where: { from: at(22), to: at(20) } }, 'where.from must be before where.to'],
    ];
    for (const [variables, message] of cases) {
      const res = await gql(EVENTS, { email: a.email, ...variables }, admin);
      expect([res.code, res.errors?.[0].message, res.errors?.[0].path]).toEqual([
        'BAD_USER_INPUT',
        message,
        ['identity', 'events'],
      ]);
    }
    const typed = await gql(`{ identity(email: "${a.email}") { events(take: "many") { name } } }`, {}, admin);
    expect([typed.status, typed.code, typed.errors?.[0].message]).toEqual([
      400,
      'BAD_USER_INPUT',
      'Int cannot represent non-integer value: "many"',
    ]);
  });

  it('counts take in the cost limit: identities times their events', async () => {
    const fiveTimes = (take: number) =>
      `{ ${[1, 2, 3, 4, 5].map((n) => `a${n}: identities(take: 1000) { events(take: ${take}) { name } }`).join(' ')} }`;
    // 5 × (1,000 + 1,000 × 90) = 455,000 objects: under the default 500,000
    const small = await gql(fiveTimes(90), {}, admin);
    expect(small.errors).toBeUndefined();
    // 5 × (1,000 + 1,000 × 100) = 505,000
    const big = await gql(fiveTimes(100), {}, admin);
    expect([big.status, big.code, big.errors?.[0].message]).toEqual([
      400,
      'BAD_USER_INPUT',
      expect.stringMatching(
        /^Query can return 505,000 objects, more than the maximum of 500,000 \(GRAPHQL_MAX_NODES\)/,
      ),
    ]);
    expect(big.body.data).toBeUndefined();
  });

  it('reads each profile’s page from the events index (EXPLAIN on this engine)', async () => {
    // enough rows for the planner to prefer an index: 50 profiles × 40 events
    const users = Array.from({ length: 50 }, (_, u) => ({
      identifiers: { email: `crowd-${u}@example.com` },
      events: Array.from({ length: 40 }, (_, i) => ({ event_name: 'page_view', timestamp: at(i % 60, u) })),
    }));
    expect((await partner('/upsert', { users })).body.data).toEqual({ successful: { count: 50 }, fail: {} });
    const engine = t.config.database.engine;
    const m = t.dataSource.manager;
    await m.query(engine === 'sqlite' ? 'ANALYZE' : 'ANALYZE identity_events');
    // a page: each profile's newest rows, read backwards from the index (on PostgreSQL it stops after take);
    // a filtered page: the profile's range of the index (PostgreSQL may read it as a bitmap), never the table
    for (const [page, backwards] of [
      [{ take: 20, names: null, from: null, to: null }, true],
      [{ take: 5, names: ['purchase'], from: new Date(at(5)), to: new Date(at(50)) }, false],
    ] as const) {
      const statement = recentEventsStatement(engine, [a.profileId, b.profileId], page);
      if (engine === 'sqlite') {
        const plan = (await query<{ detail: string }>(m, `EXPLAIN QUERY PLAN ${statement.sql}`, statement.params))
          .map((r) => r.detail)
          .join('\n');
        expect(plan).toMatch(/SEARCH identity_events USING INDEX ix_identity_events_profile_time \(profile_id=\?/);
        expect(plan).not.toMatch(/SCAN identity_events/);
      } else {
        const plan = (await query<Record<string, string>>(m, `EXPLAIN ${statement.sql}`, statement.params))
          .map((r) => r['QUERY PLAN'])
          .join('\n');
        expect(plan).toMatch(
          backwards
            ? /Index Scan Backward using ix_identity_events_profile_time on identity_events/
            : /(Index Scan Backward using|Index Scan using|Bitmap Index Scan on) ix_identity_events_profile_time/,
        );
        expect(plan).not.toMatch(/Seq Scan on identity_events/);
      }
    }
  });
});
