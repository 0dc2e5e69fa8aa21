import { randomBytes } from 'node:crypto';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLSchema,
  IntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  Lexer,
  Source,
  TokenKind,
} from 'graphql';
import { AddressEntity } from '../../src/address/address.entity';
import { NON_PERSONAL, PART_OF, PERSONAL_TYPES, registryProblems } from '../../src/auth/field-authorization';
import { Permission, Scope } from '../../src/auth/permissions';
import { tokenMailedTo, verifyEmail } from '../helpers/account-mail';
import { seedApiToken, seedUser } from '../helpers/factories';
import { Credential, startTestApp, TestApp } from '../helpers/test-app';

/**
 * SPEC §6, "authorization is per field": a customer (session or customer token) who shares a customer
 * group with another customer walks every object field reachable from the root fields and the results of
 * their self-service mutations, and sees only their own data or FORBIDDEN.
 */

/** Deepest leaf level of a generated document (the root field is level 1; GRAPHQL_MAX_DEPTH is 12). */
const MAX_LEVEL = 10;
/** Lexical tokens per generated document (GraphQL Armor refuses more than 5,000). */
const TOKEN_BUDGET = 3000;

const MEMBERS_MESSAGE = 'Reading CustomerGroup.users needs the canReadUsers or canManageUsers permission';
const MEMBER_COUNT_MESSAGE = 'Reading CustomerGroup.usersCount needs the canReadUsers or canManageUsers permission';
const GUARD_MESSAGE = 'You do not have permission to perform this action';
const HISTORY_MESSAGE = 'Reading User.history needs the canReadAudit permission';

interface Person {
  id: string;
  email: string;
  password: string;
  name: string;
  phone: string;
  addressId: string;
  profileId: string;
  /** every value of this person that must never reach the other customer */
  markers: string[];
}

const CREATE_USER = `mutation($data: UserCreateInput!) {
  createUser(data: $data) { id addresses { id } identity { id } }
}`;
const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess { sessionToken }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`;

// ---- document generation ------------------------------------------------------------------------------

type Literal = string | number | boolean | { enum: string } | Literal[] | { [key: string]: Literal };

function literal(value: Literal): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if ('enum' in value && typeof value.enum === 'string') return value.enum;
  return `{ ${Object.entries(value)
    .map(([k, v]) => `${k}: ${literal(v)}`)
    .join(', ')} }`;
}

/** A value of an input type aimed at `target`: ids and strings are theirs (probing for their data). */
function inputValue(type: GraphQLInputType, target: Person): Literal {
  if (isNonNullType(type)) return inputValue(type.ofType, target);
  if (isListType(type)) return [inputValue(type.ofType, target)];
  if (isEnumType(type)) return { enum: type.getValues()[0].name };
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const chosen = fields.filter((f) => isNonNullType(f.type));
    const id = fields.find((f) => f.name === 'id');
    if (chosen.length === 0 && id) chosen.push(id);
    if (chosen.length === 0) chosen.push(fields[0]);
    return Object.fromEntries(chosen.map((f) => [f.name, inputValue(f.type, target)]));
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return target.id;
      case 'String':
        return target.email;
      case 'Int':
        return 2;
      case 'Boolean':
        return true;
      default:
        throw new Error(`no test value for the scalar ${type.name}: add one to field-authorization.e2e-spec`);
    }
  }
  throw new Error(`no test value for ${String(type)}`);
}

/** Arguments of a field: its required ones (aimed at `target`) and a small `take` when it has one. */
function argumentsOf(field: GraphQLField<unknown, unknown>, target: Person): string {
  const parts: string[] = [];
  for (const arg of field.args) {
    if (isNonNullType(arg.type)) parts.push(`${arg.name}: ${literal(inputValue(arg.type, target))}`);
    else if (arg.name === 'take') parts.push('take: 2');
  }
  return parts.length ? `(${parts.join(', ')})` : '';
}

function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

class Walker {
  constructor(
    private readonly schema: GraphQLSchema,
    /** whose ids nested required arguments aim at */
    private readonly target: Person,
  ) {}

  private fields(type: GraphQLNamedType) {
    return isObjectType(type) ? Object.values(type.getFields()) : [];
  }

  private leaves(type: GraphQLNamedType): string {
    const names = this.fields(type)
      .filter((f) => isLeafType(getNamedType(f.type)))
      .map((f) => `${f.name}${argumentsOf(f, this.target)}`);
    return ['__typename', ...names].join(' ');
  }

  private objectFields(type: GraphQLNamedType) {
    return this.fields(type).filter((f) => !isLeafType(getNamedType(f.type)));
  }

  /** The complete selection of `type` whose fields sit at `level` (leaves at most MAX_LEVEL). */
  private full(type: GraphQLNamedType, level: number): string {
    if (isUnionType(type)) {
      return ['__typename', ...type.getTypes().map((m) => `... on ${m.name} { ${this.full(m, level)} }`)].join(' ');
    }
    const parts = [this.leaves(type)];
    if (level < MAX_LEVEL) {
      for (const f of this.objectFields(type)) {
        parts.push(`${f.name}${argumentsOf(f, this.target)} { ${this.full(getNamedType(f.type), level + 1)} }`);
      }
    }
    return parts.join(' ');
  }

  /**
   * Selections of `type` covering every path of `full`, each small enough for one document: a selection
   * too large is split by its object fields (each part keeps the type's leaves).
   */
  selections(type: GraphQLNamedType, level: number): string[] {
    const whole = this.full(type, level);
    if (tokenCount(`{ ${whole} }`) + level * 6 <= TOKEN_BUDGET) return [whole];
    if (isUnionType(type)) {
      return type
        .getTypes()
        .flatMap((m) => this.selections(m, level).map((s) => `__typename ... on ${m.name} { ${s} }`));
    }
    const out: string[] = [];
    for (const f of this.objectFields(type)) {
      for (const s of this.selections(getNamedType(f.type), level + 1)) {
        out.push(`${this.leaves(type)} ${f.name}${argumentsOf(f, this.target)} { ${s} }`);
      }
    }
    return out.length ? out : [this.leaves(type)];
  }

  /** Documents for a root field with the given argument text, walking its result. */
  documents(operation: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, args: string): string[] {
    const type = getNamedType(field.type);
    if (isLeafType(type)) return [`${operation} { ${field.name}${args} }`];
    return this.selections(type, 2).map((s) => `${operation} { ${field.name}${args} { ${s} } }`);
  }
}

// ---- the test ---------------------------------------------------------------------------------------------

describe('per-field authorization (SPEC §6)', () => {
  let t: TestApp;
  let schema: GraphQLSchema;
  let admin: string;
  let identitiesToken: string;
  let groupId: string;
  let a: Person;
  let b: Person;
  let aSession: string;
  let aCustomerToken: string;
  const tag = randomBytes(4).toString('hex');

  async function ok<T = any>(query: string, variables: Record<string, unknown>, credential: Credential) {
    const res = await t.gql<T>(query, variables, credential);
    expect(res.errors).toBeUndefined();
    return res.data;
  }

  /** A customer in the group, with name, phone, an address and a linked identity profile with data. */
  async function customer(letter: string, phoneTail: string): Promise<Person> {
    const p = {
      email: `${letter}-${tag}@example.com`,
      password: `${letter} walking passphrase ${tag}`,
      name: `${letter.toUpperCase()}name-${tag}`,
      phone: `+3584012${phoneTail}`,
      address: {
        firstName: `${letter}first-${tag}`,
        lastName: `${letter}last-${tag}`,
        company: `${letter}company-${tag}`,
        address1: `${letter}street-${tag}`,
        address2: `${letter}flat-${tag}`,
        city: `${letter}city-${tag}`,
        province: `${letter}province-${tag}`,
        postalCode: `${letter}post-${tag}`,
        phone: `+3584013${phoneTail}`,
        country: { connect: { iso2: 'FI' } },
      },
      attribute: `${letter}attribute-${tag}`,
      uuid: `${letter}uuid-${tag}`,
      event: `${letter}event-${tag}`,
    };
    const created = (
      await ok(
        CREATE_USER,
        {
          data: {
            email: p.email,
            password: p.password,
            name: p.name,
            phone: p.phone,
            addresses: { create: [p.address] },
            customerGroups: { connect: [{ id: groupId }] },
          },
        },
        admin,
      )
    ).createUser;
    // the account is linked to its profile once its owner proves the address (SPEC §7)
    const session = (await ok(SIGN_IN, { email: p.email, password: p.password }, undefined))
      .authenticateUserWithPassword.sessionToken;
    await verifyEmail(t, p.email, session);
    created.identity = (await ok(`{ authenticatedItem { identity { id } } }`, {}, session)).authenticatedItem.identity;
    await ok(
      `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id } }`,
      { identity: { email: p.email, attributes: [{ name: 'secret', value: p.attribute }] } },
      { basic: identitiesToken },
    );
    const upsert = await t.rest('post', '/api/user/v1/upsert', {
      headers: { 'X-PARTNER-NAME': 'walkers', 'X-REQUEST-TOKEN': identitiesToken, 'Content-Type': 'application/json' },
      body: {
        users: [
          {
            identifiers: { email: p.email, uuid: p.uuid },
            // Identity.events: a parameter only the owner (or an identity reader) may see
            events: [
              {
                event_name: 'page_view',
                timestamp: '2024-05-17T10:00:00Z',
                event_params: { custom: { note: p.event } },
              },
            ],
          },
        ],
      },
    });
    expect(upsert.status).toBe(200);
    const { address: addr } = p;
    return {
      id: created.id,
      email: p.email,
      password: p.password,
      name: p.name,
      phone: p.phone,
      addressId: created.addresses[0].id,
      profileId: created.identity.id,
      markers: [
        created.id,
        p.email,
        p.name,
        p.phone,
        created.addresses[0].id,
        created.identity.id,
        addr.firstName,
        addr.lastName,
        addr.company,
        addr.address1,
        addr.address2,
        addr.city,
        addr.province,
        addr.postalCode,
        addr.phone,
        p.attribute,
        p.uuid,
        p.event,
      ],
    };
  }

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        PARTNER_NAME: 'walkers',
        // the walk is a customer's deepest honest query: no cost limit should stand in for the rule
        GRAPHQL_MAX_NODES: '0', // the walk's documents are deliberately wide; the count is tested on its own
      },
    });
    admin = (await seedUser(t, { permissions: 'all' })).token;
    identitiesToken = (await seedApiToken(t, [Scope.IdentitiesRead, Scope.IdentitiesWrite])).token;
    groupId = (
      await ok(
        `mutation($data: CustomerGroupCreateInput!) { createCustomerGroup(data: $data) { id } }`,
        { data: { name: `Walkers ${tag}`, metadata: { tier: `gold-${tag}` } } },
        admin,
      )
    ).createCustomerGroup.id;
    a = await customer('a', '11111');
    b = await customer('b', '22222');
    aSession = (await ok(SIGN_IN, { email: a.email, password: a.password }, undefined)).authenticateUserWithPassword
      .sessionToken;
    aCustomerToken = (await ok(`mutation { regenerateCustomerToken { token } }`, {}, aSession)).regenerateCustomerToken
      .token;
    const introspection = await ok<IntrospectionQuery>(getIntrospectionQuery(), {}, undefined);
    schema = buildClientSchema(introspection);
  });
  afterAll(() => t.close());

  it('declares every object type of the schema as personal, part of one, or not personal', () => {
    expect(registryProblems(schema)).toEqual([]);
    const declared = [...Object.keys(PERSONAL_TYPES), ...Object.keys(PART_OF), ...Object.keys(NON_PERSONAL)];
    const objectTypes = Object.values(schema.getTypeMap())
      .filter((type) => isObjectType(type) && !type.name.startsWith('__') && !['Query', 'Mutation'].includes(type.name))
      .map((type) => type.name);
    expect(declared.sort()).toEqual(objectTypes.sort());
    expect(Object.keys(PERSONAL_TYPES).sort()).toEqual(['Address', 'Identity', 'IdentityMerge', 'Session', 'User']);
  });

  describe('a customer walking the whole schema', () => {
    interface Step {
      document: string;
      /** sent without a credential (the anonymous sign-in) */
      anonymous?: boolean;
      /** removes what the document created, so A's data does not grow from one document to the next */
      after?: () => Promise<void>;
    }
    interface Finding {
      who: string;
      document: string;
      problem: string;
    }

    const removeAddresses = (address1: string) => async () => {
      await t.dataSource.getRepository(AddressEntity).delete({ userId: a.id, address1 });
    };

    function querySteps(): Step[] {
      const steps: Step[] = [];
      for (const field of Object.values(schema.getQueryType()!.getFields())) {
        const hasRequired = field.args.some((arg) => isNonNullType(arg.type));
        // Required arguments aim at the other customer (their id, their email), and at oneself.
        for (const target of hasRequired ? [b, a] : [b]) {
          const documents = new Walker(schema, b).documents('query', field, argumentsOf(field, target));
          steps.push(...documents.map((document) => ({ document })));
        }
      }
      return steps;
    }

    /** The results of A's self-service mutations, and the sign-in answer, walked the same way. */
    function mutationSteps(): Step[] {
      const fields = schema.getMutationType()!.getFields();
      const walker = new Walker(schema, b);
      const steps: Step[] = [];
      const walk = (name: string, args: string, extra: Partial<Step> = {}) =>
        steps.push(...walker.documents('mutation', fields[name], args).map((document) => ({ document, ...extra })));
      walk('updateActiveUser', '(data: {})');
      walk('createActiveUserAddress', `(data: { address1: "a-extra-${tag}" })`, {
        after: removeAddresses(`a-extra-${tag}`),
      });
      walk('updateActiveUserAddress', `(where: { id: "${a.addressId}" }, data: {})`);
      walk('deleteActiveUserAddress', `(where: { id: "${DOOMED}" })`); // a fresh address of A's each time
      walk(
        'authenticateUserWithPassword',
        `(email: ${JSON.stringify(a.email)}, password: ${JSON.stringify(a.password)})`,
        {
          anonymous: true,
        },
      );
      return steps;
    }
    const DOOMED = '__doomed__';

    /** Runs every step as `credential`; returns what leaked, which errors were seen, which of A's values. */
    async function walk(who: string, credential: Credential, steps: Step[]) {
      const findings: Finding[] = [];
      const messages = new Set<string>();
      const seen = new Set<string>();
      for (const step of steps) {
        let document = step.document;
        if (document.includes(DOOMED)) {
          const created = await ok(
            `mutation { createActiveUserAddress(data: { address1: "a-doomed-${tag}" }) { addresses { id address1 } } }`,
            {},
            aSession,
          );
          const doomed = created.createActiveUserAddress.addresses.find(
            (x: { address1: string }) => x.address1 === `a-doomed-${tag}`,
          );
          document = document.replace(DOOMED, doomed.id);
        }
        const res = await t.gql(document, {}, step.anonymous ? undefined : credential);
        await step.after?.();
        const text = JSON.stringify(res.body);
        if (res.status !== 200) findings.push({ who, document, problem: `HTTP ${res.status}: ${text.slice(0, 300)}` });
        for (const marker of b.markers) {
          if (text.includes(marker)) findings.push({ who, document, problem: `leaks ${marker}` });
        }
        for (const marker of a.markers) if (text.includes(marker)) seen.add(marker);
        for (const error of res.errors ?? []) {
          messages.add(error.message);
          if (error.extensions?.code !== 'FORBIDDEN') {
            findings.push({ who, document, problem: `${error.extensions?.code}: ${error.message}` });
          }
        }
      }
      return { findings, messages, seen };
    }

    it.each([
      ['a session', () => aSession],
      ['a customer token', () => aCustomerToken],
    ])(
      'with %s: only their own data or FORBIDDEN',
      async (who, credential) => {
        const queries = querySteps();
        // sanity: the walk is deep and big enough to mean something
        expect(queries.length).toBeGreaterThan(20);
        expect(
          queries.some((q) => /users[^{]*\{[^]*customerGroups[^{]*\{[^]*users[^{]*\{[^]*identity \{/.test(q.document)),
        ).toBe(true);
        const steps = [...queries, ...mutationSteps()];
        const signed = await walk(
          who,
          credential(),
          steps.filter((s) => !s.anonymous),
        );
        const anonymous = await walk(
          'anonymous sign-in',
          undefined,
          steps.filter((s) => s.anonymous),
        );

        expect([...signed.findings, ...anonymous.findings]).toEqual([]);
        // Refusals are the guard's (operations a customer may not call) or the per-field rule's.
        expect([...signed.messages].sort()).toEqual(
          [GUARD_MESSAGE, MEMBERS_MESSAGE, MEMBER_COUNT_MESSAGE, HISTORY_MESSAGE].sort(),
        );
        expect([...anonymous.messages].sort()).toEqual([MEMBERS_MESSAGE, MEMBER_COUNT_MESSAGE, HISTORY_MESSAGE].sort());
        // ...and the customer did see all of their own data on the way.
        expect(a.markers.filter((m) => !signed.seen.has(m))).toEqual([]);
        // a few hundred requests: ~30 s on an idle machine, more when the machine is shared
      },
      300_000,
    );
  });

  describe('the queries of the review', () => {
    it('customerGroups → users through authenticatedItem is FORBIDDEN with the reason', async () => {
      const query = `{ authenticatedItem { id customerGroups { id name users { email phone addresses { address1 } identity { attributes { name value } } } } } }`;
      for (const credential of [aSession, aCustomerToken]) {
        const res = await t.gql(query, {}, credential);
        expect(JSON.stringify(res.body)).not.toContain(b.email);
        expect(res.errors).toEqual([
          expect.objectContaining({
            message: MEMBERS_MESSAGE,
            path: ['authenticatedItem', 'customerGroups', 0, 'users'],
            extensions: { code: 'FORBIDDEN' },
          }),
        ]);
        expect(res.data.authenticatedItem).toEqual({
          id: a.id,
          customerGroups: [{ id: groupId, name: `Walkers ${tag}`, users: null }],
        });
      }
    });

    it('addresses → user → customerGroups → users is FORBIDDEN with the reason', async () => {
      const query = `{ authenticatedItem { addresses { user { id customerGroups { name usersCount users { email } } } } } }`;
      for (const credential of [aSession, aCustomerToken]) {
        const res = await t.gql(query, {}, credential);
        expect(JSON.stringify(res.body)).not.toContain(b.email);
        const addresses = res.data.authenticatedItem.addresses;
        expect(addresses.length).toBeGreaterThan(0);
        const at = (i: number) => ['authenticatedItem', 'addresses', i, 'user', 'customerGroups', 0];
        expect(res.errors?.map((e) => [e.extensions?.code, e.message, e.path])).toEqual(
          expect.arrayContaining([
            ['FORBIDDEN', MEMBERS_MESSAGE, [...at(0), 'users']],
            ['FORBIDDEN', MEMBER_COUNT_MESSAGE, [...at(0), 'usersCount']],
          ]),
        );
        expect(res.errors).toHaveLength(2 * addresses.length);
        for (const address of addresses) {
          expect(address.user).toEqual({
            id: a.id,
            customerGroups: [{ name: `Walkers ${tag}`, usersCount: null, users: null }],
          });
        }
      }
    });
  });

  describe('what still works', () => {
    it('a customer reads their own account, addresses, identity (with its events) and their groups’ id, name and metadata', async () => {
      const query = `{ authenticatedItem {
        id email name phone
        addresses { id address1 city country { iso2 } user { id email } }
        identity { id email identifiers { type value } attributes { name value } events { name params } user { id } }
        customerGroups { id name metadata }
      } }`;
      for (const credential of [aSession, aCustomerToken]) {
        const res = await t.gql(query, {}, credential);
        expect(res.errors).toBeUndefined();
        const me = res.data.authenticatedItem;
        expect(me).toMatchObject({ id: a.id, email: a.email, name: a.name, phone: a.phone });
        expect(me.addresses).toContainEqual({
          id: a.addressId,
          address1: `astreet-${tag}`,
          city: `acity-${tag}`,
          country: { iso2: 'FI' },
          user: { id: a.id, email: a.email },
        });
        expect(me.identity).toMatchObject({ id: a.profileId, email: a.email, user: { id: a.id } });
        expect(me.identity.attributes).toContainEqual({ name: 'secret', value: `aattribute-${tag}` });
        expect(me.identity.identifiers).toContainEqual({ type: 'uuid', value: `auuid-${tag}` });
        expect(me.identity.events).toEqual([{ name: 'page_view', params: { custom: { note: `aevent-${tag}` } } }]);
        expect(me.customerGroups).toEqual([{ id: groupId, name: `Walkers ${tag}`, metadata: { tier: `gold-${tag}` } }]);
      }
    });

    it('canReadUsers reads the members of a group with their data (their profiles need identity rights)', async () => {
      const reader = (await seedUser(t, { permissions: [Permission.CanReadUsers] })).token;
      const res = await t.gql(
        `query($id: ID!) { customerGroup(where: { id: $id }) { usersCount users { id email phone addresses { address1 } } } }`,
        { id: groupId },
        reader,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.customerGroup.usersCount).toBe(2);
      const byId = Object.fromEntries(res.data.customerGroup.users.map((u: { id: string }) => [u.id, u]));
      expect(byId[b.id]).toEqual({
        id: b.id,
        email: b.email,
        phone: b.phone,
        addresses: [{ address1: `bstreet-${tag}` }],
      });
      expect(byId[a.id].email).toBe(a.email);

      // A profile is identity data: canReadUsers alone does not open it.
      const profile = await t.gql(
        `query($id: ID!) { user(where: { id: $id }) { id identity { id } } }`,
        { id: b.id },
        reader,
      );
      expect(profile.data.user).toEqual({ id: b.id, identity: null });
      expect([profile.code, profile.errors?.[0].message, profile.errors?.[0].path]).toEqual([
        'FORBIDDEN',
        "Reading another person's identity profile needs the identities:read or identities:write scope or the canManageIdentities permission",
        ['user', 'identity'],
      ]);
    });

    it('an admin with every permission reads members, their addresses and profiles', async () => {
      const res = await t.gql(
        `query($id: ID!) { customerGroup(where: { id: $id }) { users { id identity { attributes { value } } } } }`,
        { id: groupId },
        admin,
      );
      expect(res.errors).toBeUndefined();
      const b1 = res.data.customerGroup.users.find((u: { id: string }) => u.id === b.id);
      expect(b1.identity.attributes).toContainEqual({ value: `battribute-${tag}` });
    });

    it('an identity token reads profiles but never the accounts behind them', async () => {
      const res = await t.gql(
        `query($email: String!) { identity(email: $email) { id attributes { value } user { id } } }`,
        { email: b.email },
        { basic: identitiesToken },
      );
      expect(res.data.identity).toEqual({
        id: b.profileId,
        attributes: expect.arrayContaining([{ value: `battribute-${tag}` }]),
        user: null,
      });
      expect([res.code, res.errors?.[0].message, res.errors?.[0].path]).toEqual([
        'FORBIDDEN',
        "Reading another user's account needs the canReadUsers or canManageUsers permission",
        ['identity', 'user'],
      ]);
    });

    it('registration and sign-in answer with the caller’s own account, nothing of anyone else', async () => {
      const email = `newcomer-${tag}@example.com`;
      const reg = await t.gql(
        `mutation($data: UserRegisterInput!) { registerUser(data: $data) { id email identity { email attributes { name } } customerGroups { id } } }`,
        { data: { email, password: 'newcomer passphrase 1' } },
      );
      expect(reg.errors).toBeUndefined();
      // no profile until the address is proved (SPEC §7)
      expect(reg.data.registerUser).toMatchObject({ email, identity: null, customerGroups: [] });

      // the verification token is the proof: its holder reads the account it verified, anonymously
      const verified = await t.gql(
        `mutation($token: String!) { verifyUserEmail(token: $token) { id email emailVerified identity { email attributes { name } } customerGroups { id } } }`,
        { token: await tokenMailedTo(t, email, 'email-verification') },
      );
      expect(verified.errors).toBeUndefined();
      expect(verified.data.verifyUserEmail).toEqual({
        id: reg.data.registerUser.id,
        email,
        emailVerified: true,
        identity: { email, attributes: [] },
        customerGroups: [],
      });

      const signIn = await t.gql(
        `mutation($email: String!, $password: String!) { authenticateUserWithPassword(email: $email, password: $password) {
          ... on UserAuthenticationWithPasswordSuccess { item { id addresses { address1 } customerGroups { name users { id } } } }
        } }`,
        { email: a.email, password: a.password },
      );
      expect(signIn.data.authenticateUserWithPassword.item).toMatchObject({
        id: a.id,
        addresses: expect.arrayContaining([{ address1: `astreet-${tag}` }]),
        customerGroups: [{ name: `Walkers ${tag}`, users: null }],
      });
      expect([signIn.code, signIn.errors?.[0].message]).toEqual(['FORBIDDEN', MEMBERS_MESSAGE]);
    });
  });
});
