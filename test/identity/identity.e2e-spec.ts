import { ApiTokenEntity } from '../../src/auth/api-token.entity';
import { Permission, Scope } from '../../src/auth/permissions';
import { seedApiToken, seedCustomerToken, seedUser } from '../helpers/factories';
import { Credential, startTestApp, TestApp } from '../helpers/test-app';

/** Seed 001's document, exactly as written in the curl example. */
const SEED_DOCUMENT = `mutation {
  upsertIdentity(identity: {
    email: "john.doe@nosto.com",
    attributes: [
      {name: "loyalty-tier", value: "Gold"},
      {name: "shoe-size", value: "42"},
    ]
  }) {
    email,
    attributes {
      name,
      value
    }
  }
}`;
const SEED_RESPONSE = {
  data: {
    upsertIdentity: {
      email: 'john.doe@nosto.com',
      attributes: [
        { name: 'loyalty-tier', value: 'Gold' },
        { name: 'shoe-size', value: '42' },
      ],
    },
  },
};
const UPSERT = `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id email attributes { name value } } }`;

describe('identity profiles: the Nosto-compatible API', () => {
  let t: TestApp;
  let write: string;
  let read: string;
  beforeAll(async () => {
    t = await startTestApp();
    write = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
    read = (await seedApiToken(t, [Scope.IdentitiesRead])).token;
  });
  afterAll(() => t.close());

  it('answers the seed\'s curl example, sent verbatim (application/graphql, -u ":<token>", trailing commas)', async () => {
    const basic = `Basic ${Buffer.from(`:${write}`).toString('base64')}`;
    // curl -d @- strips the newlines: the body arrives as one line
    const res = await t
      .http()
      .post('/v1/graphql')
      .set('authorization', basic)
      .set('content-type', 'application/graphql')
      .send(SEED_DOCUMENT.replace(/\n/g, ''));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(SEED_RESPONSE);
    // and the same document with its newlines
    const again = await t
      .http()
      .post('/v1/graphql')
      .set('authorization', basic)
      .set('content-type', 'application/graphql')
      .send(SEED_DOCUMENT);
    expect(again.body).toEqual(SEED_RESPONSE);
  });

  it('accepts the token as X-REQUEST-TOKEN too', async () => {
    const res = await t.gql(
      UPSERT,
      { identity: { email: 'header@example.com', attributes: [{ name: 'a', value: '1' }] } },
      { requestToken: write },
    );
    expect(res.data.upsertIdentity).toMatchObject({
      email: 'header@example.com',
      attributes: [{ name: 'a', value: '1' }],
    });
  });

  it('overwrites the given attributes and keeps the others; the email is case-insensitive', async () => {
    const first = await t.gql(
      UPSERT,
      {
        identity: {
          email: 'Keep@Example.com',
          attributes: [
            { name: 'tier', value: 'Silver' },
            { name: 'size', value: '41' },
          ],
        },
      },
      { basic: write },
    );
    const second = await t.gql(
      UPSERT,
      {
        identity: {
          email: 'keep@example.com ',
          attributes: [
            { name: 'tier', value: 'Gold' },
            { name: 'city', value: 'Oulu' },
          ],
        },
      },
      { basic: write },
    );
    expect(second.data.upsertIdentity.id).toBe(first.data.upsertIdentity.id);
    expect(second.data.upsertIdentity).toMatchObject({
      email: 'keep@example.com',
      attributes: [
        { name: 'city', value: 'Oulu' },
        { name: 'size', value: '41' },
        { name: 'tier', value: 'Gold' },
      ],
    });
    const noAttributes = await t.gql(UPSERT, { identity: { email: 'keep@example.com' } }, { basic: write });
    expect(noAttributes.data.upsertIdentity.attributes).toHaveLength(3);
  });

  it('reads an identity by email (null when unknown) with its identifiers', async () => {
    await t.gql(
      UPSERT,
      { identity: { email: 'reader@example.com', attributes: [{ name: 'x', value: 'y' }] } },
      { basic: write },
    );
    const res = await t.gql(
      `{ identity(email: "READER@example.com") { email identifiers { type value } attributes { name value } user { id } } }`,
      {},
      { basic: read },
    );
    expect(res.data.identity).toEqual({
      email: 'reader@example.com',
      identifiers: [{ type: 'email', value: 'reader@example.com' }],
      attributes: [{ name: 'x', value: 'y' }],
      user: null,
    });
    expect(
      (await t.gql(`{ identity(email: "nobody@example.com") { id } }`, {}, { basic: read })).data.identity,
    ).toBeNull();
  });

  it('lists a segment by attribute name and value (AND of several), with paging', async () => {
    for (const [email, tier, size] of [
      ['s1@example.com', 'Platinum', '40'],
      ['s2@example.com', 'Platinum', '42'],
      ['s3@example.com', 'Bronze', '42'],
      ['s4@example.com', 'Platinum', '42'],
    ]) {
      await t.gql(
        UPSERT,
        {
          identity: {
            email,
            attributes: [
              { name: 'seg-tier', value: tier },
              { name: 'seg-size', value: size },
            ],
          },
        },
        { basic: write },
      );
    }
    const seg = await t.gql(
      `{ identities(where: { attributes: { some: { name: "seg-tier", value: "Platinum" } } }) { email } }`,
      {},
      { basic: read },
    );
    expect(seg.data.identities).toEqual([
      { email: 's1@example.com' },
      { email: 's2@example.com' },
      { email: 's4@example.com' },
    ]);
    const both = await t.gql(
      `{ identities(where: { AND: [{ attributes: { some: { name: "seg-tier", value: "Platinum" } } }, { attributes: { some: { name: "seg-size", value: "42" } } }] }, take: 1, skip: 1) { email } }`,
      {},
      { basic: read },
    );
    expect(both.data.identities).toEqual([{ email: 's4@example.com' }]);
    expect((await t.gql(`{ identities(take: 1001) { id } }`, {}, { basic: read })).code).toBe('BAD_USER_INPUT');
  });

  it('segments by non-string values too, as their JSON text, and hides default (non-custom) attributes', async () => {
    const res = await t.rest('post', '/api/user/v1/upsert', {
      headers: { 'X-PARTNER-NAME': 'default', 'X-REQUEST-TOKEN': write, 'Content-Type': 'application/json' },
      body: {
        users: [
          {
            identifiers: { email: 'typed@example.com' },
            attributes: { name: 'Typed', custom: { shoe_size: 44, vip: true } },
          },
        ],
      },
    });
    expect(res.status).toBe(200);
    const seg = await t.gql(
      `{ identities(where: { AND: [{ attributes: { some: { name: "shoe_size", value: "44" } } }, { attributes: { some: { name: "vip", value: "true" } } }] }) { email attributes { name value } } }`,
      {},
      { basic: read },
    );
    expect(seg.data.identities).toEqual([
      {
        email: 'typed@example.com',
        attributes: [
          { name: 'shoe_size', value: '44' },
          { name: 'vip', value: 'true' },
        ],
      },
    ]);
    // the default attribute "name" is not a custom attribute: no segment by it
    const byDefault = await t.gql(
      `{ identities(where: { attributes: { some: { name: "name", value: "Typed" } } }) { id } }`,
      {},
      { basic: read },
    );
    expect(byDefault.data.identities).toEqual([]);
  });

  it('pages 50 by default and at most 1000', async () => {
    for (let i = 0; i < 52; i++) {
      await t.gql(
        UPSERT,
        { identity: { email: `page${i}@example.com`, attributes: [{ name: 'page-seg', value: 'yes' }] } },
        { basic: write },
      );
    }
    const q = (args: string) =>
      t.gql(
        `{ identities(where: { attributes: { some: { name: "page-seg", value: "yes" } } }${args}) { email } }`,
        {},
        { basic: read },
      );
    expect((await q('')).data.identities).toHaveLength(50);
    expect((await q(', take: 1000')).data.identities).toHaveLength(52);
    expect((await q(', skip: 50')).data.identities).toEqual([
      { email: 'page50@example.com' },
      { email: 'page51@example.com' },
    ]);
    expect((await q(', take: 0')).data.identities).toEqual([]);
    for (const [args, message] of [
      [', take: 1001', 'take must not be greater than 1000'],
      [', take: -1', 'take must not be less than 0'],
      [', skip: -1', 'skip must not be less than 0'],
    ]) {
      const res = await q(args);
      expect([res.code, res.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
    }
  });

  it('refuses a segment query it cannot answer from the index, saying why', async () => {
    const condition = '{ attributes: { some: { name: "a", value: "b" } } }';
    const eleven = `{ AND: [${Array(11).fill(condition).join(', ')}] }`;
    const nested = `{ attributes: { some: { name: "a", value: "b" } }, AND: [{ AND: [${Array(10).fill(condition).join(', ')}] }] }`;
    for (const [where, message] of [
      [eleven, 'where.AND must contain no more than 10 elements'],
      [nested, 'where: at most 10 attribute conditions in one query'],
    ]) {
      const res = await t.gql(`{ identities(where: ${where}) { id } }`, {}, { basic: read });
      expect([res.code, res.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
    }
    const control = await t.gql(
      `query($n: String!) { identities(where: { attributes: { some: { name: $n, value: "v" } } }) { id } }`,
      { n: 'x\u0001' },
      { basic: read },
    );
    expect([control.code, control.errors?.[0].message]).toEqual([
      'BAD_USER_INPUT',
      'where: attribute "x\\u0001": the name cannot contain control characters',
    ]);
  });

  const LONG_NAME = 'n'.repeat(129);
  it.each([
    ['an invalid email', { email: 'not-an-email' }, 'email is not a valid email address: not-an-email'],
    ['an empty email', { email: '  ' }, 'email cannot be empty'],
    [
      'an email over 254 characters',
      { email: `${'e'.repeat(250)}@example.com` },
      'email must be shorter than or equal to 254 characters',
    ],
    ['an email with a NUL byte', { email: 'v\u0000@example.com' }, 'Text must not contain NUL (\\u0000) characters'],
    ['an empty name', { attributes: [{ name: '', value: 'x' }] }, 'attribute "": the name must be 1 to 128 characters'],
    [
      'a blank name',
      { attributes: [{ name: '   ', value: 'x' }] },
      'attribute "   ": the name must be 1 to 128 characters',
    ],
    [
      'a name over 128 characters',
      { attributes: [{ name: LONG_NAME, value: 'x' }] },
      `attribute "${'n'.repeat(40)}…": the name must be 1 to 128 characters`,
    ],
    [
      'a value over 4096 characters',
      { attributes: [{ name: 'big', value: 'v'.repeat(4097) }] },
      'attribute "big": the value must be at most 4096 characters',
    ],
    [
      'a name given twice',
      {
        attributes: [
          { name: 'twice', value: '1' },
          { name: ' twice ', value: '2' },
        ],
      },
      'attribute "twice" is given more than once',
    ],
    [
      'a control character in a name',
      { attributes: [{ name: 'bad\u0001name', value: '1' }] },
      'attribute "bad\\u0001name": the name cannot contain control characters',
    ],
    [
      'an unpaired surrogate in a name',
      { attributes: [{ name: 'x\ud800', value: '1' }] },
      'Text must be valid Unicode: it holds an unpaired UTF-16 surrogate', // the rule for every input
    ],
    [
      'more than 100 attributes',
      { attributes: Array.from({ length: 101 }, (_, i) => ({ name: `a${i}`, value: '1' })) },
      'attributes: at most 100 attributes per call',
    ],
    [
      'one bad attribute among good ones',
      {
        attributes: [
          { name: 'fine', value: '1' },
          { name: 'x'.repeat(129), value: '2' },
        ],
      },
      `attribute "${'x'.repeat(40)}…": the name must be 1 to 128 characters`,
    ],
  ])('refuses %s with BAD_USER_INPUT naming the problem, writing nothing', async (_case, identity, message) => {
    const before = await t.dataSource.query('SELECT COUNT(*) AS n FROM identity_attributes');
    const res = await t.gql(UPSERT, { identity: { email: 'v@example.com', ...identity } }, { basic: write });
    expect([res.code, res.errors?.[0].message]).toEqual(['BAD_USER_INPUT', message]);
    expect((await t.gql(`{ identity(email: "v@example.com") { id } }`, {}, { basic: read })).data.identity).toBeNull();
    const after = await t.dataSource.query('SELECT COUNT(*) AS n FROM identity_attributes');
    expect(Number(after[0].n)).toBe(Number(before[0].n));
  });

  it('accepts the limits themselves: 100 attributes, 128-character names, 4096-character values, any value text', async () => {
    const attributes = Array.from({ length: 100 }, (_, i) => ({
      name: `${String(i).padStart(3, '0')}${'n'.repeat(125)}`,
      value: 'v'.repeat(4096),
    }));
    attributes[0].value = 'line\nbreak, "quotes", \u0001 control and émoji 🎉';
    const res = await t.gql(UPSERT, { identity: { email: 'limits@example.com', attributes } }, { basic: write });
    expect(res.errors).toBeUndefined();
    expect(res.data.upsertIdentity.attributes).toEqual(attributes);
  });

  it('trims attribute names, so " tier " and "tier" are one attribute', async () => {
    await t.gql(
      UPSERT,
      { identity: { email: 'trim@example.com', attributes: [{ name: 'tier', value: 'Silver' }] } },
      { basic: write },
    );
    const res = await t.gql(
      UPSERT,
      { identity: { email: 'trim@example.com', attributes: [{ name: ' tier ', value: 'Gold' }] } },
      { basic: write },
    );
    expect(res.data.upsertIdentity.attributes).toEqual([{ name: 'tier', value: 'Gold' }]);
  });

  it('lists attributes by name in code-point order, on either engine and collation', async () => {
    const names = ['b', 'B', 'ab', 'a_c', 'a-b', 'Ä', 'a'];
    const res = await t.gql(
      UPSERT,
      { identity: { email: 'order@example.com', attributes: names.map((name) => ({ name, value: name })) } },
      { basic: write },
    );
    expect(res.data.upsertIdentity.attributes.map((a: { name: string }) => a.name)).toEqual([
      'B',
      'a',
      'a-b',
      'a_c',
      'ab',
      'b',
      'Ä',
    ]);
  });

  it('answers null, not an error, for an email no profile can have', async () => {
    for (const email of ['', 'not-an-email', `${'x'.repeat(5000)}@example.com`]) {
      const res = await t.gql(`query($email: String!) { identity(email: $email) { id } }`, { email }, { basic: read });
      expect([res.errors, res.data.identity]).toEqual([undefined, null]);
    }
  });

  it('creates exactly one identity for 20 concurrent upserts of a new email, without an error', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.gql(
          UPSERT,
          {
            identity: {
              email: 'race@example.com',
              attributes: [
                { name: `k${i}`, value: String(i) },
                { name: 'shared', value: String(i) },
              ],
            },
          },
          { basic: write },
        ),
      ),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    expect(new Set(results.map((r) => r.data.upsertIdentity.id)).size).toBe(1);
    const rows = await t.dataSource.query(
      `SELECT COUNT(*) AS n FROM identity_identifiers WHERE type = 'email' AND value = 'race@example.com'`,
    );
    expect(Number(rows[0].n)).toBe(1);
    const profiles = await t.dataSource.query(
      `SELECT COUNT(*) AS n FROM identity_profiles p WHERE NOT EXISTS (SELECT 1 FROM identity_identifiers i WHERE i.profile_id = p.id)`,
    );
    expect(Number(profiles[0].n)).toBe(0);
    const identity = await t.gql(
      `{ identity(email: "race@example.com") { attributes { name } } }`,
      {},
      { basic: read },
    );
    expect(identity.data.identity.attributes).toHaveLength(21);
  });

  describe('who may call what', () => {
    const revoked = async (): Promise<Credential> => {
      const { token, row } = await seedApiToken(t, [Scope.IdentitiesRead, Scope.IdentitiesWrite]);
      await t.dataSource.getRepository(ApiTokenEntity).update({ id: row.id }, { revokedAt: new Date() });
      return { basic: token };
    };
    const cases: [string, () => Promise<Credential>, string, string][] = [
      ['anonymous', async () => undefined, 'UNAUTHENTICATED', 'UNAUTHENTICATED'],
      ['an identities:read token', async () => ({ basic: read }), 'FORBIDDEN', 'ok'],
      ['an identities:write token', async () => ({ basic: write }), 'ok', 'ok'],
      ['an identities:write token as X-REQUEST-TOKEN', async () => ({ requestToken: write }), 'ok', 'ok'],
      [
        'a gdpr-only token',
        async () => ({ requestToken: (await seedApiToken(t, [Scope.Gdpr])).token }),
        'FORBIDDEN',
        'FORBIDDEN',
      ],
      ['a revoked token', revoked, 'UNAUTHENTICATED', 'UNAUTHENTICATED'],
      ['a garbage token', async () => ({ basic: 'garbage' }), 'UNAUTHENTICATED', 'UNAUTHENTICATED'],
      [
        'a session with canManageIdentities',
        async () => (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token,
        'ok',
        'ok',
      ],
      [
        'a session with every other permission',
        async () =>
          (
            await seedUser(t, {
              permissions: [
                Permission.CanReadUsers,
                Permission.CanManageUsers,
                Permission.CanManageApiTokens,
                Permission.CanManageRoles,
              ],
            })
          ).token,
        'FORBIDDEN',
        'FORBIDDEN',
      ],
      ['a customer session', async () => (await seedUser(t)).token, 'FORBIDDEN', 'FORBIDDEN'],
      ['a customer token', async () => seedCustomerToken(t, (await seedUser(t)).user.id), 'FORBIDDEN', 'FORBIDDEN'],
    ];
    const MESSAGES: Record<string, string[]> = {
      UNAUTHENTICATED: ['Authentication required', 'Invalid or expired credentials'],
      FORBIDDEN: ['You do not have permission to perform this action'],
    };
    it.each(cases.map(([name, get, upsert, reads]) => [name, upsert, reads, get] as const))(
      '%s: upsert → %s, reads → %s',
      async (_name, upsert, reads, get) => {
        const credential = await get();
        const email = `matrix-${Math.random().toString(36).slice(2)}@example.com`;
        const u = await t.gql(UPSERT, { identity: { email } }, credential);
        if (upsert === 'ok') expect(u.data.upsertIdentity.email).toBe(email);
        else {
          expect(u.code).toBe(upsert);
          expect(MESSAGES[upsert]).toContain(u.errors?.[0].message);
          // nothing was written
          expect((await t.gql(`{ identity(email: "${email}") { id } }`, {}, { basic: read })).data.identity).toBeNull();
        }
        for (const document of [`{ identities { id } }`, `{ identity(email: "${email}") { id } }`]) {
          const r = await t.gql(document, {}, credential);
          if (reads === 'ok') expect(r.errors).toBeUndefined();
          else expect([r.code, MESSAGES[reads].includes(r.errors![0].message)]).toEqual([reads, true]);
        }
      },
    );
  });
});
