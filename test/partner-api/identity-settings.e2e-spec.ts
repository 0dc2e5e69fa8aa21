import { randomBytes } from 'node:crypto';
import { Permission, Scope } from '../../src/auth/permissions';
import { seedApiToken, seedUser } from '../helpers/factories';
import { secondInstanceUrl, startTestApp, TestApp } from '../helpers/test-app';

const BASE = '/api/user/v1';
const NO_VALID = { error: 'no valid identifier: bad request' };
const SETTINGS = '{ enabledIdentifiers customIdentifiers blockedValues }';
const UPDATE = `mutation ($data: IdentitySettingsInput!) { updateIdentitySettings(data: $data) ${SETTINGS} }`;

describe('identity settings (Insider IRM settings)', () => {
  let t: TestApp;
  let admin: string;
  let headers: Record<string, string>;
  const send = (method: 'patch' | 'post' | 'delete', path: string, body: unknown) =>
    t.rest(method, `${BASE}${path}`, { body, headers });
  const update = (data: Record<string, unknown>) => t.gql(UPDATE, { data }, admin);

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: 'mybrand' } });
    admin = (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token;
    const { token } = await seedApiToken(t, [Scope.IdentitiesWrite]);
    headers = { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
  });
  afterAll(() => t.close());

  it('are read and replaced by canManageIdentities, list by list, validated', async () => {
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
    const res = await send('post', '/upsert', { users: [{ identifiers: { email: 'guest@example.com' } }] });
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

  it('starts with the defaults and replaces each list whole, keeping the others', async () => {
    const initial = await t.gql(`{ identitySettings ${SETTINGS} }`, {}, admin);
    expect(initial.data.identitySettings).toEqual({
      enabledIdentifiers: ['uuid', 'email', 'phone_number'],
      customIdentifiers: [],
      blockedValues: ['undefined', 'anonymous', '0', '1', 'null'],
    });
    const first = await update({ customIdentifiers: ['user_loyalty_id', 'crm_id'] });
    expect(first.data.updateIdentitySettings).toEqual({
      enabledIdentifiers: ['uuid', 'email', 'phone_number'],
      customIdentifiers: ['user_loyalty_id', 'crm_id'],
      blockedValues: ['undefined', 'anonymous', '0', '1', 'null'],
    });
    const second = await update({ customIdentifiers: ['crm_id'], blockedValues: ['guest'] });
    expect(second.data.updateIdentitySettings).toEqual({
      enabledIdentifiers: ['uuid', 'email', 'phone_number'],
      customIdentifiers: ['crm_id'],
      blockedValues: ['guest'],
    });
    const read = await t.gql(`{ identitySettings ${SETTINGS} }`, {}, admin);
    expect(read.data.identitySettings).toEqual(second.data.updateIdentitySettings);
    await update({ customIdentifiers: [], blockedValues: ['undefined', 'anonymous', '0', '1', 'null'] });
  });

  it.each([
    [
      { enabledIdentifiers: ['uuid', 'fax'] },
      'enabledIdentifiers: unknown identifier type "fax" (use uuid, email, phone_number)',
    ],
    [{ customIdentifiers: ['9lives'] }, 'customIdentifiers: "9lives" must match ^[a-z][a-z0-9_]{0,63}$'],
    [
      { customIdentifiers: ['a'.repeat(65)] },
      `customIdentifiers: "${'a'.repeat(65)}" must match ^[a-z][a-z0-9_]{0,63}$`,
    ],
    [{ customIdentifiers: ['crm_id', 'crm_id'] }, 'customIdentifiers lists a value twice'],
    [{ blockedValues: ['x'.repeat(256)] }, 'blockedValues: each value must be at most 255 characters'],
  ])('refuses %j with BAD_USER_INPUT saying why, and changes nothing', async (data, message) => {
    const res = await update(data);
    expect([res.code, res.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
    const read = await t.gql(`{ identitySettings ${SETTINGS} }`, {}, admin);
    expect(read.data.identitySettings.customIdentifiers).toEqual([]);
  });

  it('bounds the lists', async () => {
    const res = await update({ blockedValues: Array.from({ length: 1001 }, (_, i) => `v${i}`) });
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/^blockedValues/);
  });

  it('is for canManageIdentities only', async () => {
    const customer = (await seedUser(t)).token;
    expect((await t.gql(`{ identitySettings ${SETTINGS} }`, {}, customer)).code).toBe('FORBIDDEN');
    expect((await t.gql(UPDATE, { data: { blockedValues: [] } }, customer)).code).toBe('FORBIDDEN');
    expect((await t.gql(`{ identitySettings ${SETTINGS} }`)).code).toBe('UNAUTHENTICATED');
    const token = headers['X-REQUEST-TOKEN'];
    expect((await t.gql(UPDATE, { data: { blockedValues: [] } }, { requestToken: token })).code).toBe('FORBIDDEN');
  });

  it('applies to every endpoint at once: a type that is not enabled is no valid identifier', async () => {
    await send('post', '/upsert', {
      users: [{ identifiers: { email: 'typed@example.com', phone_number: '+6598765432' } }],
    });
    await update({ enabledIdentifiers: ['uuid', 'email'] });
    try {
      const phone = { phone_number: '+6598765432' };
      expect(
        (await send('patch', '/identity', { old_identifier: phone, new_identifier: { phone_number: '+6598765433' } }))
          .body,
      ).toEqual(NO_VALID);
      expect((await send('delete', '/identity', { identifiers: phone })).body).toEqual(NO_VALID);
      expect((await send('post', '/profile', { identifiers: phone })).body).toEqual(NO_VALID);
      expect((await send('post', '/delete', { identifiers: phone })).body).toEqual(NO_VALID);
      const upsert = await send('post', '/upsert', { users: [{ identifiers: phone, attributes: { name: 'X' } }] });
      expect(upsert.body.data.fail.errors).toEqual({ 'users.0.identifiers': ['no valid identifier'] });
      const del = await send('post', '/attribute/delete', { users: [{ identifiers: phone, whole: ['name'] }] });
      expect(del.body.data.fail.errors).toEqual({ 'users.0.identifiers': ['no valid identifier'] });
      // the email still works, and the profile keeps its phone
      const profile = await send('post', '/profile', { identifiers: { email: 'typed@example.com' } });
      expect(profile.body.identifiers).toEqual({ email: 'typed@example.com', phone_number: '+6598765432' });
    } finally {
      await update({ enabledIdentifiers: ['uuid', 'email', 'phone_number'] });
    }
    expect((await send('post', '/profile', { identifiers: { phone_number: '+6598765432' } })).status).toBe(200);
  });

  it('never uses a blocked value as an identifier, whatever its case', async () => {
    await update({
      customIdentifiers: ['crm_id'],
      blockedValues: ['undefined', 'anonymous', '0', '1', 'null', 'guest'],
    });
    try {
      const res = await send('post', '/upsert', {
        users: [
          { identifiers: { uuid: 'undefined' }, attributes: { name: 'A' } },
          { identifiers: { custom: { crm_id: 'Guest' } }, attributes: { name: 'B' } },
          { identifiers: { email: 'real@example.com', uuid: 'NULL' }, attributes: { name: 'C' } },
          { identifiers: { custom: { crm_id: 'crm-7' } }, attributes: { name: 'D' } },
        ],
      });
      expect(res.body.data).toEqual({
        successful: { count: 1 },
        fail: {
          count: 3,
          errors: {
            'users.0.identifiers': ['no valid identifier'],
            'users.1.identifiers': ['no valid identifier'],
            'users.2.identifiers': ['uuid: no valid identifier'],
          },
        },
      });
      const patch = await send('patch', '/identity', {
        old_identifier: { custom: { crm_id: 'crm-7' } },
        new_identifier: { custom: { crm_id: 'anonymous' } },
      });
      expect([patch.status, patch.body]).toEqual([400, NO_VALID]);
      const undeclared = await send('post', '/profile', { identifiers: { custom: { loyalty: 'crm-7' } } });
      expect([undeclared.status, undeclared.body]).toEqual([400, NO_VALID]);
    } finally {
      await update({ customIdentifiers: [], blockedValues: ['undefined', 'anonymous', '0', '1', 'null'] });
    }
  });

  const withRedis = process.env.REDIS_URL ? it : it.skip;
  withRedis('reaches another instance at once through Redis', async () => {
    const prefix = `ih-settings-${randomBytes(4).toString('hex')}:`;
    const a = await startTestApp({ env: { PARTNER_NAME: 'mybrand', REDIS_KEY_PREFIX: prefix } });
    const url = secondInstanceUrl(a.config);
    const b = await startTestApp({ env: { PARTNER_NAME: 'mybrand', REDIS_KEY_PREFIX: prefix }, databaseUrl: url });
    try {
      const { token } = await seedApiToken(a, [Scope.IdentitiesWrite]);
      const h = { 'X-PARTNER-NAME': 'mybrand', 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
      const profileOnB = () =>
        b.rest('post', `${BASE}/profile`, { headers: h, body: { identifiers: { uuid: 'shared-1' } } });
      await a.rest('post', `${BASE}/upsert`, { headers: h, body: { users: [{ identifiers: { uuid: 'shared-1' } }] } });
      expect((await profileOnB()).status).toBe(200); // b has read (and cached) the settings
      const adminA = (await seedUser(a, { permissions: [Permission.CanManageIdentities] })).token;
      await a.gql(UPDATE, { data: { enabledIdentifiers: ['email'] } }, adminA);
      let answer = await profileOnB();
      for (let i = 0; i < 20 && answer.status === 200; i++) {
        await new Promise((r) => setTimeout(r, 25));
        answer = await profileOnB();
      }
      expect([answer.status, answer.body]).toEqual([400, NO_VALID]);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
