import { Permission } from '../../src/auth/permissions';
import { IdentitySuppressionEntity } from '../../src/identity/identity.entity';
import { SUPPRESSED, suppressionHash } from '../../src/identity/privacy-store';
import { seedUser } from '../helpers/factories';
import { PARTNER_BASE, PartnerApp, partnerCalls, startPartnerApp } from '../helpers/partner';
import { TestApp } from '../helpers/test-app';

describe('PATCH /identity (seed 003, sent as written)', () => {
  let t: TestApp;
  let headers: Record<string, string>;
  let app: PartnerApp;
  const { send, upsert, profile } = partnerCalls(() => app);

  beforeAll(async () => {
    app = await startPartnerApp();
    ({ t, headers } = app);
  });
  afterAll(() => t.close());

  it('updates a default identifier, keeping attributes and events', async () => {
    await upsert([
      {
        identifiers: { email: 'sample@useinsider.com' },
        attributes: { name: 'Sam', custom: { shoe_size: 42 } },
        events: [{ event_name: 'session_start', timestamp: '2024-05-17T10:00:00Z' }],
      },
    ]);
    const res = await t.rest('patch', `${PARTNER_BASE}/identity`, {
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
    const res = await t.rest('patch', `${PARTNER_BASE}/identity`, {
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
  it('answers each of 26 concurrent changes as it would alone: changed, unknown, suppressed, taken, twice the same', async () => {
    // on PostgreSQL most of them share statements (IdentifierChanges); the answers must not show it
    await upsert(Array.from({ length: 23 }, (_, i) => ({ identifiers: { uuid: `crowd-${i}` } })));
    await t.dataSource
      .getRepository(IdentitySuppressionEntity)
      .insert({ hash: suppressionHash({ type: 'uuid', value: 'crowd-erased' }) });
    const moves: [string, string][] = [
      ...Array.from({ length: 20 }, (_, i): [string, string] => [`crowd-${i}`, `crowd-${i}-moved`]),
      ['crowd-ghost', 'crowd-ghost-moved'],
      ['crowd-20', 'crowd-erased'],
      ['crowd-21', 'crowd-20'], // crowd-20 stays where it is (its move is refused): taken
      ['crowd-22', 'crowd-20'],
      ['crowd-5', 'crowd-5-again'], // crowd-5 twice: whichever comes second finds nobody
      ['crowd-6', 'crowd-6-moved'], // the same change twice: the second finds nobody
    ];
    const results = await Promise.all(
      moves.map(([from, to]) =>
        send('patch', '/identity', { old_identifier: { uuid: from }, new_identifier: { uuid: to } }),
      ),
    );
    const answers = results.map((r) => [r.status, r.body]);
    const ok = [200, {}];
    const notFound = [404, { error: 'no such user for these identifiers: no data' }];
    const taken = [400, { error: 'new identifier already has a user assigned to it: bad request' }];
    const uuids: { value: string }[] = await t.dataSource.query(
      "SELECT value FROM identity_identifiers WHERE type = 'uuid' AND value LIKE 'crowd-%' ORDER BY value",
    );
    const crowd5 = uuids.find((u) => u.value.startsWith('crowd-5-'))!.value;
    const twice = (i: number, j: number) => [answers[i], answers[j]].sort((a, b) => Number(a[0]) - Number(b[0]));
    expect({
      moved: answers.slice(0, 20).filter((a, i) => i !== 5 && i !== 6),
      ghost: answers[20],
      erased: answers[21],
      taken: answers.slice(22, 24),
      crowd5: twice(5, 24),
      crowd6: twice(6, 25),
    }).toEqual({
      moved: Array.from({ length: 18 }, () => ok),
      ghost: notFound,
      erased: [400, { error: `${SUPPRESSED}: bad request` }],
      taken: [taken, taken],
      crowd5: [ok, notFound],
      crowd6: [ok, notFound],
    });
    expect(uuids.map((u) => u.value)).toEqual(
      [
        ...Array.from({ length: 20 }, (_, i) => (i === 5 ? crowd5 : `crowd-${i}-moved`)),
        'crowd-20',
        'crowd-21',
        'crowd-22',
      ].sort(),
    );
    // whichever change of crowd-5 got the 200 is the one stored
    expect(answers[crowd5 === 'crowd-5-moved' ? 5 : 24]).toEqual(ok);
  });
});
