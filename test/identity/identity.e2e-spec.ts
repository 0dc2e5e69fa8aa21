import { CredentialService } from '../../src/auth/credential.service';
import { Permission, Scope } from '../../src/auth/permissions';
import { seedApiToken, seedUser } from '../helpers/factories';
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

  it.each([
    [{ email: 'not-an-email' }, 'email is not a valid email address: not-an-email'],
    [
      { email: 'v@example.com', attributes: [{ name: '', value: 'x' }] },
      'attribute "": the name must be 1 to 128 characters',
    ],
    [
      { email: 'v@example.com', attributes: [{ name: 'n'.repeat(129), value: 'x' }] },
      `attribute "${'n'.repeat(40)}…": the name must be 1 to 128 characters`,
    ],
    [
      { email: 'v@example.com', attributes: [{ name: 'big', value: 'v'.repeat(4097) }] },
      'attribute "big": the value must be at most 4096 characters',
    ],
    [
      {
        email: 'v@example.com',
        attributes: [
          { name: 'twice', value: '1' },
          { name: 'twice', value: '2' },
        ],
      },
      'attribute "twice" is given more than once',
    ],
    [
      { email: 'v@example.com', attributes: [{ name: 'bad\u0001name', value: '1' }] },
      'attribute "bad\\u0001name": the name cannot contain control characters',
    ],
  ])('refuses %j with BAD_USER_INPUT naming the problem, writing nothing', async (identity, message) => {
    const res = await t.gql(UPSERT, { identity }, { basic: write });
    expect(res.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toBe(message);
    expect((await t.gql(`{ identity(email: "v@example.com") { id } }`, {}, { basic: read })).data.identity).toBeNull();
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
    const cases: [string, () => Promise<Credential>, string, string][] = [];
    const who: Record<string, () => Promise<Credential>> = {
      anonymous: async () => undefined,
      'identities:read token': async () => ({ basic: read }),
      'identities:write token': async () => ({ basic: write }),
      'gdpr-only token': async () => ({ requestToken: (await seedApiToken(t, [Scope.Gdpr])).token }),
      'admin with canManageIdentities': async () =>
        (await seedUser(t, { permissions: [Permission.CanManageIdentities] })).token,
      'customer session': async () => (await seedUser(t)).token,
      'garbage token': async () => ({ basic: 'garbage' }),
    };
    const expectations: Record<string, [string, string]> = {
      anonymous: ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
      'identities:read token': ['FORBIDDEN', 'ok'],
      'identities:write token': ['ok', 'ok'],
      'gdpr-only token': ['FORBIDDEN', 'FORBIDDEN'],
      'admin with canManageIdentities': ['ok', 'ok'],
      'customer session': ['FORBIDDEN', 'FORBIDDEN'],
      'garbage token': ['UNAUTHENTICATED', 'UNAUTHENTICATED'],
    };
    for (const [name, get] of Object.entries(who)) {
      cases.push([name, get, ...expectations[name]]);
    }
    it.each(cases)('%s: upsert → %s, read → %s', async (_name, get, upsert, readResult) => {
      const credential = await get();
      const u = await t.gql(UPSERT, { identity: { email: 'matrix@example.com' } }, credential);
      const r = await t.gql(`{ identities { id } identity(email: "matrix@example.com") { id } }`, {}, credential);
      if (upsert === 'ok') expect(u.data.upsertIdentity.email).toBe('matrix@example.com');
      else expect(u.code).toBe(upsert);
      if (readResult === 'ok') expect(r.errors).toBeUndefined();
      else expect(r.code).toBe(readResult);
    });
  });

  describe('API tokens', () => {
    let admin: string;
    beforeAll(async () => {
      admin = (await seedUser(t, { permissions: [Permission.CanManageApiTokens] })).token;
    });

    it('creates a token shown once, lists it without the secret, records its use, and revokes it at once', async () => {
      const created = await t.gql(
        `mutation { createApiToken(data: { name: "Nosto sync", scopes: ["identities:write"] }) { token apiToken { id name scopes lastUsedAt revokedAt } } }`,
        {},
        admin,
      );
      const { token, apiToken } = created.data.createApiToken;
      expect(token).toMatch(/^[0-9a-f]{64}$/);
      expect(apiToken).toMatchObject({
        name: 'Nosto sync',
        scopes: ['identities:write'],
        lastUsedAt: null,
        revokedAt: null,
      });
      expect(
        (await t.gql(UPSERT, { identity: { email: 'tok@example.com' } }, { basic: token })).data.upsertIdentity.email,
      ).toBe('tok@example.com');
      await t.app.get(CredentialService).flushLastUsed();
      const list = await t.gql(`{ apiTokens { id name lastUsedAt revokedAt } }`, {}, admin);
      const mine = list.data.apiTokens.find((x: { id: string }) => x.id === apiToken.id);
      expect(mine.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(list.body)).not.toContain(token);
      const revoked = await t.gql(`mutation { revokeApiToken(id: "${apiToken.id}") { id revokedAt } }`, {}, admin);
      expect(revoked.data.revokeApiToken.revokedAt).not.toBeNull();
      const after = await t.gql(UPSERT, { identity: { email: 'tok@example.com' } }, { basic: token });
      expect(after.code).toBe('UNAUTHENTICATED');
      const twice = await t.gql(`mutation { revokeApiToken(id: "${apiToken.id}") { revokedAt } }`, {}, admin);
      expect(twice.data.revokeApiToken.revokedAt).toBe(revoked.data.revokeApiToken.revokedAt);
    });

    it('refuses unknown scopes, duplicates, no scope, and an unknown id', async () => {
      const bad = await t.gql(
        `mutation { createApiToken(data: { name: "x", scopes: ["identities:delete"] }) { token } }`,
        {},
        admin,
      );
      expect([bad.code, bad.errors?.[0].message]).toEqual([
        'BAD_USER_INPUT',
        'Unknown scope "identities:delete": use identities:read, identities:write, gdpr',
      ]);
      const dup = await t.gql(
        `mutation { createApiToken(data: { name: "x", scopes: ["gdpr", "gdpr"] }) { token } }`,
        {},
        admin,
      );
      expect([dup.code, dup.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'scopes lists a scope twice']);
      const none = await t.gql(`mutation { createApiToken(data: { name: "x", scopes: [] }) { token } }`, {}, admin);
      expect([none.code, none.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'scopes must name at least one scope']);
      const unknown = await t.gql(`mutation { revokeApiToken(id: "nope") { id } }`, {}, admin);
      expect([unknown.code, unknown.errors?.[0].message]).toEqual(['NOT_FOUND', 'API token not found']);
    });

    it('needs canManageApiTokens', async () => {
      for (const cred of [undefined, (await seedUser(t)).token, { basic: write }] as Credential[]) {
        const res = await t.gql(`{ apiTokens { id } }`, {}, cred);
        expect(['UNAUTHENTICATED', 'FORBIDDEN']).toContain(res.code);
      }
    });

    it('creates and revokes from the CLI, printing the token once', async () => {
      const { COMMANDS } = await import('../../src/cli/commands');
      const lines: string[] = [];
      const spy = jest.spyOn(console, 'log').mockImplementation((m: string) => void lines.push(m));
      await COMMANDS['api-token:create'].run(t.app, { name: 'cli token', scopes: 'identities:read,identities:write' });
      const token = /token: {2}([0-9a-f]{64})/.exec(lines[0])![1];
      const id = /id: {5}([0-9a-f-]{36})/.exec(lines[0])![1];
      expect(lines[0]).toContain('scopes: identities:read,identities:write');
      expect(
        (await t.gql(UPSERT, { identity: { email: 'cli@example.com' } }, { requestToken: token })).data.upsertIdentity
          .email,
      ).toBe('cli@example.com');
      await COMMANDS['api-token:revoke'].run(t.app, { id });
      spy.mockRestore();
      expect(lines[2]).toMatch(new RegExp(`^revoked ${id} \\(cli token\\) at `));
      expect((await t.gql(UPSERT, { identity: { email: 'cli@example.com' } }, { requestToken: token })).code).toBe(
        'UNAUTHENTICATED',
      );
      await expect(COMMANDS['api-token:create'].run(t.app, { name: 'x', scopes: 'root' })).rejects.toThrow(
        'Unknown scope "root"',
      );
    });
  });
});
