import { getIntrospectionQuery } from 'graphql';
import { UserEntity } from '../../src/user/user.entity';
import { seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/** `{ a0: <field> a1: <field> … }` */
const aliased = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

/** `authenticatedItem { identity { user { identity { … id } } } }`, `depth` fields deep (the leaf included). */
function deep(depth: number): string {
  let inner = 'id';
  for (let level = depth - 1; level > 1; level--) inner = `${level % 2 === 0 ? 'identity' : 'user'} { ${inner} }`;
  return `{ authenticatedItem { ${inner} } }`;
}

describe('GraphQL cost limits (SPEC §6)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = (await seedUser(t, { permissions: 'all' })).token;
  });
  afterAll(() => t.close());

  /** A refused document: 400, BAD_USER_INPUT, one error whose message names the limit. */
  async function expectRefused(query: string, message: RegExp | string, variables?: Record<string, unknown>) {
    const res = await t.gql(query, variables, admin);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined(); // nothing executed
    expect(res.errors).toHaveLength(1);
    expect(res.code).toBe('BAD_USER_INPUT');
    if (typeof message === 'string') expect(res.errors?.[0].message).toBe(message);
    else expect(res.errors?.[0].message).toMatch(message);
  }

  describe('depth', () => {
    it('allows 12 levels and refuses 14, naming GRAPHQL_MAX_DEPTH', async () => {
      const ok = await t.gql(deep(12));
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ data: { authenticatedItem: null } });
      await expectRefused(deep(14), 'Query depth 14 exceeds the maximum of 12 (GRAPHQL_MAX_DEPTH)');
    });

    it('counts fields, not fragment spreads', async () => {
      const res = await t.gql(
        `{ authenticatedItem { ...A } } fragment A on User { identity { ...B } } fragment B on Identity { user { id } }`,
      );
      expect(res.status).toBe(200);
      await expectRefused(
        `{ authenticatedItem { ...A } } fragment A on User { identity { user { identity { ...B } } } }
         fragment B on Identity { user { identity { user { identity { user { identity { user { identity { user { id } } } } } } } } } }`,
        'Query depth 14 exceeds the maximum of 12 (GRAPHQL_MAX_DEPTH)',
      );
    });

    it('refuses customerGroups → users nested 10 levels', async () => {
      let q = 'email phone';
      for (let i = 0; i < 10; i++) q = `customerGroups { users { ${q} } }`;
      await expectRefused(
        `{ authenticatedItem { ${q} } }`,
        /^Query depth 22 exceeds the maximum of 12 \(GRAPHQL_MAX_DEPTH\)$/,
      );
    });
  });

  describe('aliases', () => {
    it('allows 30 and refuses 31, naming GRAPHQL_MAX_ALIASES', async () => {
      const ok = await t.gql(aliased(30, 'usersCount'), undefined, admin);
      expect(ok.status).toBe(200);
      expect(Object.keys(ok.data)).toHaveLength(30);
      await expectRefused(
        aliased(31, 'usersCount'),
        'Query uses 31 aliases, more than the maximum of 30 (GRAPHQL_MAX_ALIASES)',
      );
    });

    it('refuses 500 aliases of users(take: 1000)', async () => {
      // 10 tokens each: 500 of them are over the token limit before the aliases are even counted
      await expectRefused(
        aliased(500, 'users(take: 1000) { id }'),
        'Query has more than 5000 tokens, the maximum (GRAPHQL_MAX_TOKENS)',
      );
      await expectRefused(
        aliased(400, 'users(take: 1000) { id }'),
        'Query uses 400 aliases, more than the maximum of 30 (GRAPHQL_MAX_ALIASES)',
      );
    });

    it('runs nothing of a refused mutation document', async () => {
      const field = (i: number) =>
        `r${i}: registerUser(data: { email: "alias-${i}@example.com", password: "a long passphrase ${i}" }) { id }`;
      const res = await t.gql(`mutation { ${Array.from({ length: 31 }, (_, i) => field(i)).join(' ')} }`);
      expect(res.status).toBe(400);
      expect(res.code).toBe('BAD_USER_INPUT');
      const users = await t.dataSource.getRepository(UserEntity).count();
      expect(users).toBe(1); // the admin only
    });
  });

  describe('directives', () => {
    it('allows 50 and refuses 51, naming GRAPHQL_MAX_DIRECTIVES', async () => {
      const doc = (n: number) =>
        `{ countries { ${Array.from({ length: n }, () => 'iso2 @include(if: true)').join(' ')} } }`;
      const ok = await t.gql(doc(50));
      expect(ok.status).toBe(200);
      expect(ok.data.countries).toHaveLength(249);
      await expectRefused(doc(51), 'Query uses 51 directives, more than the maximum of 50 (GRAPHQL_MAX_DIRECTIVES)');
    });
  });

  describe('tokens', () => {
    it('refuses a document over 5,000 tokens while parsing, naming GRAPHQL_MAX_TOKENS', async () => {
      await expectRefused(
        `{ countries { ${'iso2 '.repeat(5000)} } }`,
        'Query has more than 5000 tokens, the maximum (GRAPHQL_MAX_TOKENS)',
      );
    });

    // How fast is the bench's business (no timed assertions here): refused at parse time, nothing runs.
    it('refuses 20,000 aliases of countries at parse time while /health still answers', async () => {
      const query = aliased(20_000, 'countries { iso2 iso3 name }');
      expect(query.length).toBeGreaterThan(500_000);
      const health = t
        .http()
        .get('/health')
        .then((res) => ({ status: res.status }));
      const attacks = await Promise.all(Array.from({ length: 5 }, () => t.http().post('/graphql').send({ query })));
      for (const res of attacks) {
        expect(res.status).toBe(400);
        expect(res.body.errors[0]).toMatchObject({
          message: 'Query has more than 5000 tokens, the maximum (GRAPHQL_MAX_TOKENS)',
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      expect((await health).status).toBe(200);
    });

    it('refuses 40,000 aliases with a 400, not a 500', async () => {
      const res = await t
        .http()
        .post('/graphql')
        .send({ query: aliased(40_000, 'countries { iso2 }') });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('objects a document can return (GRAPHQL_MAX_NODES)', () => {
    it('refuses lists multiplied along the path', async () => {
      await expectRefused(
        '{ customerGroups { users { customerGroups { users { id } } } } }',
        /^Query can return 100,101,001,000 objects, more than the maximum of 500,000 \(GRAPHQL_MAX_NODES\)/,
      );
    });

    it('counts a take given as a variable', async () => {
      const query = 'query($n: Int) { customerGroups(take: $n) { id users { id email } } }';
      const ok = await t.gql(query, { n: 10 }, admin);
      expect(ok.status).toBe(200);
      expect(ok.errors).toBeUndefined();
      expect(ok.data.customerGroups).toEqual([]);
      await expectRefused(query, /^Query can return 1,001,000 objects, more than the maximum of 500,000/, { n: 1000 });
      await expectRefused(query, /^Query can return 1,001,000 objects/, {}); // no take: the cap
    });

    it('counts introspection too', async () => {
      // graphql-js refuses `fields` nested three deep; two deep, ten times over, is still a lot of objects
      await expectRefused(
        aliased(10, '__schema { types { fields { type { fields { type { name } } } } } }'),
        /^Query can return [\d,]+ objects, more than the maximum of 500,000 \(GRAPHQL_MAX_NODES\)/,
      );
    });
  });

  describe('what must keep working', () => {
    it('answers the standard introspection query (as GraphiQL and code generators send it)', async () => {
      for (const query of [
        getIntrospectionQuery(),
        getIntrospectionQuery({
          descriptions: true,
          specifiedByUrl: true,
          directiveIsRepeatable: true,
          schemaDescription: true,
          inputValueDeprecation: true,
        }),
      ]) {
        const res = await t.http().post('/graphql').send({ query, operationName: 'IntrospectionQuery' });
        expect(res.status).toBe(200);
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data.__schema.types.map((type: { name: string }) => type.name)).toContain('User');
      }
    });

    it("answers a customer's deep-ish query about themselves", async () => {
      const jane = await seedUser(t);
      const res = await t.gql(
        `{ authenticatedItem { id email role { name } addresses { id city country { iso2 name } }
           customerGroups { id name } identity { id attributes { name value } identifiers { type value } } } }`,
        undefined,
        jane.token,
      );
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data.authenticatedItem).toMatchObject({ id: jane.user.id, addresses: [], customerGroups: [] });
    });

    it("answers an admin's listing with nested lists within the limits", async () => {
      const res = await t.gql(
        `{ users(take: 100) { email role { name } addresses { city country { name } } customerGroups { name usersCount }
           identity { email attributes { name value } } } customerGroups(take: 50) { name users { email } }
           countries { iso2 } identities(take: 100) { email attributes { name } } }`,
        undefined,
        admin,
      );
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data.users.length).toBeGreaterThanOrEqual(1);
    });
  });

  describe('every way in gets the same limits', () => {
    const doc = aliased(31, 'countries { iso2 }');
    const message = 'Query uses 31 aliases, more than the maximum of 30 (GRAPHQL_MAX_ALIASES)';

    it.each(['/graphql', '/v1/graphql'])('a raw application/graphql body at %s', async (path) => {
      const res = await t.http().post(path).set('content-type', 'application/graphql').send(doc);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ message, extensions: { code: 'BAD_USER_INPUT' } }]);
    });

    it('application/json at /v1/graphql', async () => {
      const res = await t.http().post('/v1/graphql').send({ query: doc });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ message, extensions: { code: 'BAD_USER_INPUT' } });
      const tokens = await t
        .http()
        .post('/v1/graphql')
        .set('content-type', 'application/graphql')
        .send(aliased(20_000, 'countries { iso2 }'));
      expect(tokens.status).toBe(400);
      expect(tokens.body.errors[0].message).toBe('Query has more than 5000 tokens, the maximum (GRAPHQL_MAX_TOKENS)');
    });
  });
});

describe('GraphQL limits are configurable', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { GRAPHQL_MAX_DEPTH: '3', GRAPHQL_MAX_ALIASES: '2', GRAPHQL_MAX_NODES: '300', GRAPHQL_MAX_TOKENS: '200' },
    });
  });
  afterAll(() => t.close());

  it('applies the configured values', async () => {
    expect((await t.gql(deep(4))).errors?.[0].message).toBe(
      'Query depth 4 exceeds the maximum of 3 (GRAPHQL_MAX_DEPTH)',
    );
    expect((await t.gql(aliased(3, '__typename'))).status).toBe(200); // __typename aliases are free
    expect((await t.gql(aliased(3, 'usersCount'))).errors?.[0].message).toBe(
      'Query uses 3 aliases, more than the maximum of 2 (GRAPHQL_MAX_ALIASES)',
    );
    expect((await t.gql('{ countries { iso2 } }')).status).toBe(200); // 249 objects
    expect((await t.gql('{ a: countries { iso2 } b: countries { iso2 } }')).errors?.[0].message).toMatch(
      /^Query can return 498 objects, more than the maximum of 300 \(GRAPHQL_MAX_NODES\)/,
    );
    expect((await t.gql(`{ countries { ${'iso2 '.repeat(200)} } }`)).errors?.[0].message).toBe(
      'Query has more than 200 tokens, the maximum (GRAPHQL_MAX_TOKENS)',
    );
  });
});
