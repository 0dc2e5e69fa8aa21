import { CustomerGroupEntity } from '../../src/customer-group/customer-group.entity';
import { UserEntity } from '../../src/user/user.entity';
import { seedApiToken, seedUser, SeededUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * Finding 7 (deep input was a 500, a stack overflow somewhere in parsing, coercion or a service) and the
 * unpaired-surrogate half of finding 9: one rule for every input, on every API, answered as bad input.
 */
const TOO_DEEP = 'Input is nested too deeply (more than 32 levels)';
const LONE_SURROGATE = 'Text must be valid Unicode: it holds an unpaired UTF-16 surrogate';
const PARTNER = 'rulesbrand';

/** JSON text of `depth` objects nested around `inner` (built as text: the test's own stack stays small). */
const nestedJson = (depth: number, inner: string) => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
/** The same as a GraphQL literal. */
const nestedLiteral = (depth: number, inner: string) => '{ a: '.repeat(depth) + inner + ' }'.repeat(depth);

describe('input rules on every API', () => {
  let t: TestApp;
  let admin: SeededUser;
  let token: string;
  const partner = () => ({ 'X-PARTNER-NAME': PARTNER, 'X-REQUEST-TOKEN': token, 'content-type': 'application/json' });
  /** POST /graphql with a hand-written JSON body */
  const rawGql = (body: string, bearer?: string) =>
    t
      .http()
      .post('/graphql')
      .set({ 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) })
      .send(body);
  const errorLogs = () => t.logs.filter((line) => JSON.parse(line).level >= 50);

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_NAME: PARTNER }, captureLogs: true });
    admin = await seedUser(t, { permissions: 'all' });
    token = (await seedApiToken(t, ['identities:write'])).token;
  });
  afterAll(() => t.close());
  beforeEach(() => t.logs.splice(0));

  describe('nesting deeper than 32 levels', () => {
    it('/upsert with event_params.custom nested 5,000 levels (30 KB) is a 400 in Insider style, not a 500', async () => {
      const user = `{"identifiers":{"email":"deep@example.com"},"events":[{"event_name":"deep","timestamp":"2024-01-10T21:35:20Z","event_params":{"custom":${nestedJson(5000, '"x"')}}}]}`;
      const res = await t.rest('post', '/api/user/v1/upsert', { headers: partner(), raw: `{"users":[${user}]}` });
      expect([res.status, res.body]).toEqual([400, { error: `${TOO_DEEP}: bad request` }]);
      const profiles = await t.dataSource.query(
        "SELECT COUNT(*) AS n FROM identity_identifiers WHERE value = 'deep@example.com'",
      );
      expect(Number(profiles[0].n)).toBe(0);
      expect(errorLogs()).toEqual([]);
    });

    it('PATCH /identity with a deep body is the same 400', async () => {
      const raw = `{"old_identifier":{"email":"a@example.com"},"new_identifier":${nestedJson(40, '{"email":"b@example.com"}')}}`;
      const res = await t.rest('patch', '/api/user/v1/identity', { headers: partner(), raw });
      expect([res.status, res.body]).toEqual([400, { error: `${TOO_DEEP}: bad request` }]);
    });

    it('identities(where:) with AND nested 2,500 deep, anonymously: BAD_USER_INPUT, no stack in the log', async () => {
      let where = '{ attributes: { some: { name: "tier", value: "gold" } } }';
      for (let i = 0; i < 2500; i++) where = `{ AND: [${where}] }`;
      const inline = await t.gql(`{ identities(where: ${where}) { id } }`);
      expect([inline.status, inline.code, inline.errors?.[0].message]).toEqual([400, 'BAD_USER_INPUT', TOO_DEEP]);

      const variable =
        '{"AND":['.repeat(2500) + '{"attributes":{"some":{"name":"tier","value":"gold"}}}' + ']}'.repeat(2500);
      const res = await rawGql(
        `{"query":"query($w: IdentityWhereInput) { identities(where: $w) { id } }","variables":{"w":${variable}}}`,
      );
      expect([res.status, res.body]).toEqual([
        400,
        { errors: [{ message: TOO_DEEP, extensions: { code: 'BAD_USER_INPUT' } }] },
      ]);
      expect(errorLogs()).toEqual([]);
    });

    it('a customer group metadata nested 100,000 deep (a variable) is BAD_USER_INPUT, and so is a deep literal', async () => {
      const variable = await rawGql(
        `{"query":"mutation($m: JSON) { createCustomerGroup(data: { name: \\"deep\\", metadata: $m }) { id } }","variables":{"m":${nestedJson(100_000, '1')}}}`,
        admin.token,
      );
      expect([variable.status, variable.body.errors[0].message, variable.body.errors[0].extensions.code]).toEqual([
        400,
        TOO_DEEP,
        'BAD_USER_INPUT',
      ]);
      const literal = await t.gql(
        `mutation { createCustomerGroup(data: { name: "deep", metadata: ${nestedLiteral(5000, '1')} }) { id } }`,
        {},
        admin.token,
      );
      expect([literal.status, literal.code, literal.errors?.[0].message]).toEqual([400, 'BAD_USER_INPUT', TOO_DEEP]);
      expect(await t.dataSource.getRepository(CustomerGroupEntity).countBy({ name: 'deep' })).toBe(0);
      expect(errorLogs()).toEqual([]);
    });

    it('counts from the argument: 32 levels are stored, 33 are refused, as a literal or a variable', async () => {
      const create = 'mutation($d: CustomerGroupCreateInput!) { createCustomerGroup(data: $d) { metadata } }';
      // data (1) → metadata (2) → 30 more objects inside it (32)
      const ok = await t.gql(
        create,
        { d: { name: 'level-32', metadata: JSON.parse(nestedJson(31, '1')) } },
        admin.token,
      );
      expect(ok.errors).toBeUndefined();
      expect(JSON.stringify(ok.data.createCustomerGroup.metadata)).toBe(nestedJson(31, '1'));
      const tooDeep = await t.gql(
        create,
        { d: { name: 'level-33', metadata: JSON.parse(nestedJson(32, '1')) } },
        admin.token,
      );
      expect([tooDeep.code, tooDeep.errors?.[0].message]).toEqual(['BAD_USER_INPUT', TOO_DEEP]);

      const literal = (depth: number, name: string) =>
        t.gql(
          `mutation { createCustomerGroup(data: { name: "${name}", metadata: ${nestedLiteral(depth, '1')} }) { id } }`,
          {},
          admin.token,
        );
      expect((await literal(31, 'literal-32')).errors).toBeUndefined();
      const refused = await literal(32, 'literal-33');
      expect([refused.code, refused.errors?.[0].message]).toEqual(['BAD_USER_INPUT', TOO_DEEP]);
    });

    it('a GET request with deep variables is refused the same way', async () => {
      const res = await t
        .http()
        .get('/graphql')
        .query({
          query: 'query($w: IdentityWhereInput) { identities(where: $w) { id } }',
          variables: `{"w":${'{"AND":['.repeat(40)}{}${']}'.repeat(40)}}`,
        })
        .set('apollo-require-preflight', 'true');
      expect([res.status, res.body.errors?.[0]]).toEqual([
        400,
        { message: TOO_DEEP, extensions: { code: 'BAD_USER_INPUT' } },
      ]);
    });
  });

  describe('unpaired UTF-16 surrogates are bad input everywhere (PostgreSQL stored U+FFFD)', () => {
    const REGISTER = 'mutation($d: UserRegisterInput!) { registerUser(data: $d) { id } }';

    it('in a GraphQL variable: refused before anything runs, nothing stored', async () => {
      const res = await t.gql(REGISTER, {
        d: { name: 'Ada \ud800', email: 'surrogate@example.com', password: 'a long enough passphrase' },
      });
      expect([res.status, res.code, res.errors?.[0].message]).toEqual([400, 'BAD_USER_INPUT', LONE_SURROGATE]);
      expect(await t.dataSource.getRepository(UserEntity).countBy({ email: 'surrogate@example.com' })).toBe(0);
    });

    it('in a JSON key of a variable, and in a JSON scalar value', async () => {
      const create = 'mutation($d: CustomerGroupCreateInput!) { createCustomerGroup(data: $d) { id } }';
      for (const metadata of [{ ['k\udc00']: 1 }, { list: ['ok', 'x\ud83d'] }]) {
        const res = await t.gql(create, { d: { name: 'surrogates', metadata } }, admin.token);
        expect([res.code, res.errors?.[0].message]).toEqual(['BAD_USER_INPUT', LONE_SURROGATE]);
      }
      expect(await t.dataSource.getRepository(CustomerGroupEntity).countBy({ name: 'surrogates' })).toBe(0);
    });

    it('in a GraphQL argument written in the document: graphql-js refuses the escape, as bad input', async () => {
      const res = await t.gql(
        'mutation { registerUser(data: { name: "Ada \\ud800", email: "inline@example.com", password: "a long enough passphrase" }) { id } }',
      );
      expect([res.status, res.code]).toEqual([400, 'BAD_USER_INPUT']);
      expect(res.errors?.[0].message).toMatch(/Invalid Unicode escape sequence/);
      expect(await t.dataSource.getRepository(UserEntity).countBy({ email: 'inline@example.com' })).toBe(0);
    });

    it('in a REST body (partner API): 400 in Insider style', async () => {
      const res = await t.rest('post', '/api/user/v1/upsert', {
        headers: partner(),
        raw: '{"users":[{"identifiers":{"email":"s@example.com"},"attributes":{"name":"Ada \\ud800"}}]}',
      });
      expect([res.status, res.body]).toEqual([400, { error: `${LONE_SURROGATE}: bad request` }]);
    });

    it('a surrogate pair (an emoji) is fine', async () => {
      const res = await t.gql(REGISTER, {
        d: { name: 'Ada \ud83d\ude00', email: 'emoji@example.com', password: 'a long enough passphrase' },
      });
      expect(res.errors).toBeUndefined();
      const row = await t.dataSource.getRepository(UserEntity).findOneByOrFail({ email: 'emoji@example.com' });
      expect(row.name).toBe('Ada 😀');
    });
  });
});
