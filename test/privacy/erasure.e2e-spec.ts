import { AuditService } from '../../src/audit/audit.service';
import { AddressEntity } from '../../src/address/address.entity';
import { Scope } from '../../src/auth/permissions';
import { CustomerGroupEntity, CustomerGroupUserEntity } from '../../src/customer-group/customer-group.entity';
import { newId } from '../../src/database/columns';
import { UserEntity } from '../../src/user/user.entity';
import { queuedMails, verifyEmail } from '../helpers/account-mail';
import { seedApiToken, seedUser } from '../helpers/factories';
import { isPostgres, startTestApp, TestApp } from '../helpers/test-app';

const PARTNER_NAME = 'erasebrand';
const PASSWORD = 'a long passphrase 1';
const REGISTER = `mutation($data: UserRegisterInput!) { registerUser(data: $data) { id email } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess { sessionToken item { id } }
    ... on UserAuthenticationWithPasswordFailure { message } } }`;
const ERASE = `mutation($where: IdentityWhereUniqueInput!, $suppress: Boolean) {
  eraseIdentity(where: $where, suppress: $suppress) { id erasedAt counts } }`;
const EXPORT = `query($where: IdentityWhereUniqueInput!) { exportIdentity(where: $where) }`;
const UPSERT_IDENTITY = `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id email } }`;
const IDENTITY = `query($email: String!) { identity(email: $email) { id user { id } } }`;
const MERGE = `mutation($into: IdentityWhereUniqueInput!, $from: [IdentityWhereUniqueInput!]!) {
  mergeIdentities(into: $into, from: $from) { id } }`;

/** Every table of the database, from the catalogue (so tables added later are searched too). */
async function tables(t: TestApp): Promise<string[]> {
  const rows = (await t.dataSource.query(
    isPostgres()
      ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
  )) as { name: string }[];
  return rows.map((r) => r.name).sort();
}

/** The tables with a row whose text holds any of the needles (case-insensitive). */
async function tablesHolding(t: TestApp, needles: string[]): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const table of await tables(t)) {
    const rows = (await t.dataSource.query(`SELECT * FROM "${table}"`)) as unknown[];
    const text = JSON.stringify(rows).toLowerCase();
    const hits = needles.filter((n) => text.includes(n.toLowerCase()));
    if (hits.length) found[table] = hits;
  }
  return found;
}

/** SPEC §10: erasure with suppression, takeout, and a customer closing their account. */
describe('erasure, suppression and takeout', () => {
  let people = 0;
  let t: TestApp;
  let writer: string;
  let gdpr: string;
  let admin: string;
  const partner = () => ({
    'X-PARTNER-NAME': PARTNER_NAME,
    'X-REQUEST-TOKEN': writer,
    'Content-Type': 'application/json',
  });
  const upsert = (users: unknown[]) => t.rest('post', '/api/user/v1/upsert', { headers: partner(), body: { users } });
  const signIn = async (email: string) =>
    (await t.gql(SIGN_IN, { email, password: PASSWORD })).data.authenticateUserWithPassword;
  const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`:${token}`).toString('base64')}` });

  /**
   * A person with everything: a verified account (session, address with a phone, a group, queued mails)
   * linked to a profile with identifiers, attributes and events, into which a second profile was merged.
   */
  async function person(tag: string) {
    const email = `${tag}@example.com`;
    const other = `${tag}-old@example.com`;
    const phone = `+35840${String(++people).padStart(7, '0')}`;
    const reg = await t.gql(REGISTER, { data: { email, password: PASSWORD, name: `Name ${tag}` } });
    const userId = reg.data.registerUser.id as string;
    await verifyEmail(t, email);
    const session = await signIn(email);
    await t.dataSource.getRepository(UserEntity).update({ id: userId }, { phone });
    await t.dataSource
      .getRepository(AddressEntity)
      .insert({ id: newId(), userId, city: `City ${tag}`, phone, countryId: 'FI' });
    const group = { id: newId(), name: `group-${tag}` };
    await t.dataSource.getRepository(CustomerGroupEntity).insert(group);
    await t.dataSource.getRepository(CustomerGroupUserEntity).insert({ customerGroupId: group.id, userId });
    const written = await upsert([
      {
        identifiers: { email, phone_number: phone, uuid: `uuid-${tag}` },
        attributes: { name: `Name ${tag}`, custom: { shoe: 42 } },
        events: [
          { event_name: 'view', timestamp: '2024-01-01T00:00:00Z', event_params: { url: `https://shop/${tag}` } },
        ],
      },
      { identifiers: { email: other, uuid: `uuid-${tag}-old` }, attributes: { custom: { note: `note-${tag}` } } },
    ]);
    expect(written.body.data.successful.count).toBe(2);
    const profileId = (await t.gql(IDENTITY, { email }, { basic: writer })).data.identity.id as string;
    const oldId = (await t.gql(IDENTITY, { email: other }, { basic: writer })).data.identity.id as string;
    const merged = await t.gql(MERGE, { into: { email }, from: [{ email: other }] }, { basic: writer });
    expect(merged.errors).toBeUndefined();
    return {
      email,
      other,
      phone,
      userId,
      profileId,
      oldId,
      session: session.sessionToken as string,
      needles: [
        email,
        other,
        phone,
        userId,
        profileId,
        oldId,
        `uuid-${tag}`,
        `Name ${tag}`,
        `City ${tag}`,
        `note-${tag}`,
      ],
    };
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME } });
    writer = (await seedApiToken(t, [Scope.IdentitiesWrite, Scope.IdentitiesRead])).token;
    gdpr = (await seedApiToken(t, [Scope.Gdpr])).token;
    admin = (await seedUser(t, { permissions: 'all' })).token;
  });
  afterAll(() => t.close());

  it('erases a person from every table, with a receipt of counts only; a bystander is untouched', async () => {
    const p = await person('erased');
    const bystander = await person('bystander');
    expect(await queuedMails(t, p.email)).not.toHaveLength(0);
    expect(Object.keys(await tablesHolding(t, p.needles))).toEqual(
      expect.arrayContaining([
        'users',
        'sessions',
        'addresses',
        'identity_identifiers',
        'identity_merges',
        'outbox',
        'audit_events',
      ]),
    );
    // the partner writes' audit entries are buffered: written now, so that the erasure meets them too
    await t.app.get(AuditService).flush();
    const before = await t.dataSource.query(`SELECT action FROM audit_events`);

    const erased = await t.gql(ERASE, { where: { email: p.email }, suppress: true }, admin);
    expect(erased.errors).toBeUndefined();
    const receipt = erased.data.eraseIdentity;
    expect(receipt.counts).toEqual({
      profiles: 1,
      identifiers: 3, // email, phone, uuid
      aliases: 3, // the merged profile's email and uuid, and its id
      attributes: 3,
      events: 1,
      merges: 1,
      accounts: 1,
      sessions: 1,
      accountTokens: 1,
      addresses: 1,
      groupMemberships: 1,
      outbox: expect.any(Number),
      auditEntries: expect.any(Number),
      suppressed: 5,
    });
    expect(receipt.counts.outbox).toBeGreaterThan(0);
    expect(receipt.counts.auditEntries).toBeGreaterThan(0);
    // the audit trail keeps every entry (ids pseudonymised), and records the erasure by its receipt only
    const after: { action: string; resource_id: string; resource_type: string }[] = await t.dataSource.query(
      `SELECT action, resource_type, resource_id FROM audit_events`,
    );
    expect(after).toHaveLength(before.length + 1);
    expect(after.filter((e) => e.action === 'identity.erased')).toEqual([
      { action: 'identity.erased', resource_type: 'erasure', resource_id: receipt.id },
    ]);
    expect(after.filter((e) => e.action === 'identity.merged').map((e) => e.resource_id)).toEqual(
      expect.arrayContaining([bystander.profileId, expect.stringMatching(/^erased-[0-9a-f]{29}$/)]),
    );
    // no row anywhere holds their email, phone, ids, names or notes; not even the receipt
    expect(await tablesHolding(t, p.needles)).toEqual({});
    expect(JSON.stringify(receipt)).not.toMatch(/erased@|erased-old|uuid-erased/);
    // the bystander is whole
    expect(Object.keys(await tablesHolding(t, [bystander.email, bystander.userId, bystander.profileId]))).toEqual(
      expect.arrayContaining(['users', 'sessions', 'addresses', 'identity_identifiers']),
    );
    expect((await t.gql(`{ authenticatedItem { id } }`, {}, p.session)).data.authenticatedItem).toBeNull();
    expect((await t.gql(IDENTITY, { email: p.other }, { basic: writer })).data.identity).toBeNull();

    const again = await t.gql(ERASE, { where: { email: p.email } }, admin);
    expect(again.code).toBe('NOT_FOUND');
    expect(again.errors![0].message).toBe('No identity profile or account matches where');
  });

  it('a suppressed identifier is refused by /upsert, upsertIdentity and PATCH /identity; registering again lifts it for that email', async () => {
    const p = await person('suppressed');
    const bystander = await person('bystand2');
    expect(
      (await t.gql(ERASE, { where: { id: p.profileId }, suppress: true }, { basic: gdpr })).errors,
    ).toBeUndefined();

    const up = await upsert([
      { identifiers: { email: p.email }, attributes: { name: 'Back' } },
      { identifiers: { email: 'fresh@example.com', phone_number: p.phone } },
      { identifiers: { uuid: 'uuid-suppressed-old' } }, // an alias the erased profile held: theirs too
      { identifiers: { email: 'fine@example.com' } },
    ]);
    expect(up.body).toEqual({
      data: {
        successful: { count: 1 },
        fail: {
          count: 3,
          errors: {
            'users.0.identifiers': ['identifier is suppressed'],
            'users.1.identifiers': ['identifier is suppressed'],
            'users.2.identifiers': ['identifier is suppressed'],
          },
        },
      },
    });
    const gql = await t.gql(UPSERT_IDENTITY, { identity: { email: p.email } }, { basic: writer });
    expect(gql.code).toBe('BAD_USER_INPUT');
    expect(gql.errors![0].message).toBe('identifier is suppressed');
    const patch = await t.rest('patch', '/api/user/v1/identity', {
      headers: partner(),
      body: { old_identifier: { email: bystander.email }, new_identifier: { email: p.email } },
    });
    expect(patch.status).toBe(400);
    expect(patch.body).toEqual({ error: 'identifier is suppressed: bad request' });
    expect((await t.gql(IDENTITY, { email: bystander.email }, { basic: writer })).data.identity).not.toBeNull();

    // registering again is new consent: the email may be written again; the phone stays suppressed
    const reg = await t.gql(REGISTER, { data: { email: p.email, password: PASSWORD } });
    expect(reg.errors).toBeUndefined();
    const back = await t.gql(UPSERT_IDENTITY, { identity: { email: p.email } }, { basic: writer });
    expect(back.errors).toBeUndefined();
    expect(back.data.upsertIdentity.email).toBe(p.email);
    const phone = await upsert([{ identifiers: { phone_number: p.phone } }]);
    expect(phone.body.data.fail.errors).toEqual({ 'users.0.identifiers': ['identifier is suppressed'] });
  });

  it('takeout: one JSON document with everything stored about the person, no secrets; for the customer too', async () => {
    const p = await person('takeout');
    const doc = (await t.gql(EXPORT, { where: { email: p.email } }, admin)).data.exportIdentity;
    expect(doc.accounts).toHaveLength(1);
    expect(doc.accounts[0]).toMatchObject({
      id: p.userId,
      email: p.email,
      emailVerified: true,
      phone: p.phone,
      addresses: [expect.objectContaining({ city: 'City takeout', phone: p.phone })],
      customerGroups: [expect.objectContaining({ name: 'group-takeout' })],
      sessions: [expect.objectContaining({ id: expect.any(String) })],
    });
    expect(doc.profiles).toHaveLength(1);
    expect(doc.profiles[0]).toMatchObject({
      id: p.profileId,
      formerIds: [p.oldId],
      identifiers: [
        { type: 'email', value: p.email },
        { type: 'phone_number', value: p.phone },
        { type: 'uuid', value: 'uuid-takeout' },
      ],
      aliases: [
        { type: 'email', value: p.other },
        { type: 'uuid', value: 'uuid-takeout-old' },
      ],
      attributes: { name: 'Name takeout', c_shoe: 42, c_note: 'note-takeout' },
      events: [{ name: 'view', timestamp: '2024-01-01T00:00:00.000Z', params: { url: 'https://shop/takeout' } }].map(
        (e) => expect.objectContaining(e),
      ),
      merges: [expect.objectContaining({ survivorId: p.profileId, mergedIds: [p.oldId] })],
    });
    // their audit entries, as stored: values masked (the partner writes' buffered ones too)
    expect(doc.auditEvents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'user.created',
          resourceId: p.userId,
          changes: expect.arrayContaining([{ field: 'email', old: null, new: 't***@example.com' }]),
        }),
        expect.objectContaining({ action: 'identity.created', resourceId: p.oldId }),
        expect.objectContaining({
          action: 'identity.merged',
          resourceId: p.profileId,
          changes: expect.arrayContaining([{ field: 'mergedIds', old: null, new: [p.oldId] }]),
        }),
      ]),
    );
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/hash|password|token_|tokenHash/i);

    const own = await t.gql(`{ exportActiveUserData }`, {}, p.session);
    expect(own.errors).toBeUndefined();
    expect(own.data.exportActiveUserData.accounts[0].id).toBe(p.userId);
    expect(own.data.exportActiveUserData.profiles[0].id).toBe(p.profileId);
    expect(JSON.stringify(own.data.exportActiveUserData)).not.toMatch(/hash|password/i);
  });

  it("Nosto's redact, takeout and consent paths, with Nosto's Basic :token", async () => {
    const p = await person('nosto');
    const takeout = await t.rest('post', `/v1/customers/takeout/${encodeURIComponent(p.email)}`, {
      headers: basic(gdpr),
    });
    expect(takeout.status).toBe(200);
    expect(takeout.body.profiles[0].id).toBe(p.profileId);
    const refused = await t.rest('delete', `/v1/customers/redact/${encodeURIComponent(p.email)}`, {
      headers: basic(writer),
    });
    expect(refused.status).toBe(403);
    const redact = await t.rest('delete', `/v1/customers/redact/${encodeURIComponent(p.email)}`, {
      headers: basic(gdpr),
    });
    expect(redact.status).toBe(200);
    expect(redact.body).toEqual({
      id: expect.any(String),
      erasedAt: expect.any(String),
      counts: expect.objectContaining({ profiles: 1, accounts: 1 }),
    });
    expect(await tablesHolding(t, [p.email, p.userId, p.profileId])).toEqual({});
    const unknown = await t.rest('delete', `/v1/customers/redact/${encodeURIComponent(p.email)}`, {
      headers: basic(gdpr),
    });
    expect(unknown.status).toBe(404);
    const bad = await t.rest('post', '/v1/customers/takeout/not-an-email', { headers: basic(gdpr) });
    expect(bad.status).toBe(400);

    const consent = await t.rest('post', '/v1/customers/consent/optin@example.com/true', { headers: basic(writer) });
    expect(consent.status).toBe(200);
    const profile = await t.rest('post', '/api/user/v1/profile', {
      headers: partner(),
      body: { identifiers: { email: 'optin@example.com' }, attributes: ['email_optin'] },
    });
    expect(profile.body.attributes.email_optin).toBe(true);
    await t.rest('post', '/v1/customers/consent/optin@example.com/false', { headers: basic(writer) });
    const off = await t.rest('post', '/api/user/v1/profile', {
      headers: partner(),
      body: { identifiers: { email: 'optin@example.com' }, attributes: ['email_optin'] },
    });
    expect(off.body.attributes.email_optin).toBe(false);
    const wrong = await t.rest('post', '/v1/customers/consent/optin@example.com/maybe', { headers: basic(writer) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toBe('The consent must be true or false (/v1/customers/consent/{email}/true|false)');
  });

  it('who may erase: the gdpr scope, or canManageIdentities with canManageUsers', async () => {
    const identityManager = (await seedUser(t, { permissions: ['canManageIdentities' as never] })).token;
    const refused = await t.gql(ERASE, { where: { email: 'nobody@example.com' } }, identityManager);
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.errors![0].message).toBe(
      'Erasure and takeout need the gdpr scope, or both canManageIdentities and canManageUsers',
    );
    expect((await t.gql(ERASE, { where: { email: 'nobody@example.com' } }, { basic: writer })).code).toBe('FORBIDDEN');
    expect((await t.gql(EXPORT, { where: { email: 'nobody@example.com' } }, { basic: gdpr })).code).toBe('NOT_FOUND');
    const customer = await seedUser(t);
    expect((await t.gql(EXPORT, { where: { email: customer.user.email } }, customer.token)).code).toBe('FORBIDDEN');
  });

  it('deleteActiveUser: the password is checked; the account goes, the marketing profile is unlinked and kept', async () => {
    const p = await person('closing');
    const wrong = await t.gql(`mutation { deleteActiveUser(password: "not it") }`, {}, p.session);
    expect(wrong.code).toBe('BAD_USER_INPUT');
    expect(wrong.errors![0].message).toBe('Invalid password');
    const done = await t.gql(`mutation($p: String!) { deleteActiveUser(password: $p) }`, { p: PASSWORD }, p.session);
    expect(done.errors).toBeUndefined();
    expect(done.data.deleteActiveUser).toBe(true);
    expect(await t.dataSource.getRepository(UserEntity).countBy({ id: p.userId })).toBe(0);
    expect(await tablesHolding(t, [p.userId, `City closing`])).toEqual({});
    expect((await t.gql(IDENTITY, { email: p.email }, { basic: writer })).data.identity).toEqual({
      id: p.profileId,
      user: null,
    });
    expect((await t.gql(`{ authenticatedItem { id } }`, {}, p.session)).data.authenticatedItem).toBeNull();
  });
});
