import { buildSchema, execute, GraphQLObjectType, GraphQLSchema, parse } from 'graphql';
import { Actor, ANONYMOUS } from './actor';
import { FIELD_ALLOW_EXTENSION, RETURNS_OWN_ACCOUNT_EXTENSION } from './decorators';
import { applyFieldAuthorization } from './field-authorization';
import { Permission, Scope } from './permissions';

/** A miniature of the real schema: every declared type, in the same shapes. */
const SDL = `
  type Query { me: User  user(id: ID!): User  users: [User!]!  countries: [Country!]!  identity(id: ID!): Identity  signIn: SignInResult  sessions(userId: ID!): [Session!]! }
  type Mutation { register: User }
  type User { id: ID!  email: String  addresses: [Address!]  identity: Identity  customerGroups: [CustomerGroup!]  role: Role }
  type Address { id: ID!  address1: String  user: User  country: Country }
  type Identity { id: ID!  attributes: [IdentityAttribute!]!  identifiers: [Identifier!]!  events: [IdentityEvent!]!  user: User }
  type Identifier { type: String!  value: String! }
  type IdentityAttribute { name: String!  value: String! }
  type IdentityEvent { name: String! }
  type Country { id: ID!  name: String! }
  type Role { id: ID! }
  type Session { id: ID!  current: Boolean! }
  type CustomerGroup { id: ID!  name: String!  users: [User!]  usersCount: Int }
  type ApiToken { id: ID! }
  type CreatedApiToken { token: String!  apiToken: ApiToken! }
  type IdentitySettings { blockedValues: [String!]! }
  type IdentityMerge { id: ID!  survivor: Identity }
  type ErasureReceipt { id: ID! }
  type CustomerTokenResult { success: Boolean! }
  type UserAuthenticationWithPasswordSuccess { sessionToken: String!  item: User! }
  type UserAuthenticationWithPasswordFailure { message: String! }
  type ValidateUserPasswordResetTokenResult { code: String!  message: String! }
  type RedeemUserPasswordResetTokenResult { code: String!  message: String! }
  union SignInResult = UserAuthenticationWithPasswordSuccess | UserAuthenticationWithPasswordFailure
  type AuditEvent { id: ID!  actor: AuditActor!  resource: AuditResource!  changes: [AuditChange!]! }
  type AuditActor { kind: String! }
  type AuditResource { type: String! }
  type AuditChange { field: String! }
  type WebhookEndpoint { id: ID! }
  type CreatedWebhookEndpoint { secret: String!  endpoint: WebhookEndpoint! }
  type WebhookDelivery { id: ID! }
`;

const users: Record<string, { id: string; email: string }> = {
  u1: { id: 'u1', email: 'one@example.com' },
  u2: { id: 'u2', email: 'two@example.com' },
};
const addresses = [
  { id: 'a1', userId: 'u1', address1: 'One Street' },
  { id: 'a2', userId: 'u2', address1: 'Two Street' },
];

function field(schema: GraphQLSchema, type: string, name: string) {
  return (schema.getType(type) as GraphQLObjectType).getFields()[name];
}

/** The miniature with resolvers (as Nest would attach them) and the decorators' extensions. */
function miniature(extraSdl = ''): GraphQLSchema {
  const schema = buildSchema(SDL + extraSdl);
  const resolvers: Record<string, Record<string, (source: never, args: never) => unknown>> = {
    Query: {
      me: () => users.u1,
      user: (_s, args: { id: string }) => users[args.id] ?? null,
      users: async () => Object.values(users),
      identity: (_s, args: { id: string }) => ({ id: `p-${args.id}`, userId: args.id }),
      signIn: () => ({ sessionToken: 's', item: users.u2 }),
      sessions: (_s, args: { userId: string }) => [{ id: `s-${args.userId}`, userId: args.userId, current: false }],
    },
    Mutation: { register: async () => users.u2 },
    User: {
      addresses: async (user: { id: string }) => addresses.filter((a) => a.userId === user.id),
      customerGroups: () => [{ id: 'g1', name: 'VIP' }],
      identity: (user: { id: string }) => ({ id: `p-${user.id}`, userId: user.id }),
    },
    Address: { user: (address: { userId: string }) => users[address.userId] },
    Identity: {
      user: (identity: { userId: string }) => users[identity.userId],
      attributes: () => [{ name: 'tier', value: 'gold' }],
      identifiers: () => [],
    },
    CustomerGroup: { users: async () => Object.values(users), usersCount: () => 2 },
    SignInResult: {},
  };
  for (const [type, fields] of Object.entries(resolvers)) {
    for (const [name, resolve] of Object.entries(fields)) {
      field(schema, type, name).resolve = resolve as never;
    }
  }
  (schema.getType('SignInResult') as unknown as { resolveType: () => string }).resolveType = () =>
    'UserAuthenticationWithPasswordSuccess';
  const allow = [Permission.CanReadUsers, Permission.CanManageUsers];
  Object.assign(field(schema, 'CustomerGroup', 'users'), { extensions: { [FIELD_ALLOW_EXTENSION]: allow } });
  Object.assign(field(schema, 'CustomerGroup', 'usersCount'), { extensions: { [FIELD_ALLOW_EXTENSION]: allow } });
  Object.assign(field(schema, 'Mutation', 'register'), { extensions: { [RETURNS_OWN_ACCOUNT_EXTENSION]: true } });
  Object.assign(field(schema, 'UserAuthenticationWithPasswordSuccess', 'item'), {
    extensions: { [RETURNS_OWN_ACCOUNT_EXTENSION]: true },
  });
  return applyFieldAuthorization(schema);
}

const customer = (userId: string, kind: Actor['kind'] = 'session'): Actor => ({ ...ANONYMOUS, kind, userId });
const staff = (...permissions: Permission[]): Actor => ({ ...customer('staff'), permissions: new Set(permissions) });
const token = (...scopes: Scope[]): Actor => ({ ...ANONYMOUS, kind: 'api-token', scopes: new Set(scopes) });

async function run(schema: GraphQLSchema, actor: Actor, query: string) {
  const result = await execute({ schema, document: parse(query), contextValue: { req: { actor } } });
  return {
    data: result.data as Record<string, unknown> | null | undefined,
    errors: result.errors?.map((e) => [e.message, e.path?.join('.')]),
  };
}

describe('field authorization: the registry is checked at start', () => {
  it('accepts a schema whose every object type is declared', () => {
    expect(() => miniature()).not.toThrow();
  });

  it('refuses an object type in none of the lists, naming it and the file', () => {
    expect(() => miniature('type Device { id: ID! }  extend type User { devices: [Device!] }')).toThrow(
      'Device is not declared in src/auth/field-authorization.ts',
    );
  });

  it('refuses a part-of type reachable from anywhere but its parent', () => {
    expect(() => miniature('extend type Query { attributes: [IdentityAttribute!] }')).toThrow(
      'Query.attributes: IdentityAttribute is part of Identity and can only be reached from it',
    );
  });

  it('refuses an abstract type that includes a personal type', () => {
    expect(() => miniature('union Anything = User | Country  extend type Query { anything: Anything }')).toThrow(
      'Query.anything: the abstract type Anything includes the personal type User',
    );
  });

  it('wraps only fields that return a personal type or carry a requirement', () => {
    const schema = miniature();
    expect(field(schema, 'User', 'email').resolve).toBeUndefined();
    expect(field(schema, 'Country', 'name').resolve).toBeUndefined();
    expect(field(schema, 'User', 'role').resolve).toBeUndefined();
    expect(field(schema, 'Address', 'user').resolve).toBeDefined();
    expect(field(schema, 'CustomerGroup', 'usersCount').resolve).toBeDefined();
  });
});

describe('field authorization: the rule', () => {
  const schema = miniature();
  const FOREIGN_USER = "Reading another user's account needs the canReadUsers or canManageUsers permission";

  it('lets the owner read their own data, by session or customer token', async () => {
    for (const actor of [customer('u1'), customer('u1', 'customer-token')]) {
      const res = await run(schema, actor, '{ me { id addresses { id user { id identity { user { id } } } } } }');
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({
        me: { id: 'u1', addresses: [{ id: 'a1', user: { id: 'u1', identity: { user: { id: 'u1' } } } }] },
      });
    }
  });

  it('refuses a foreign value with FORBIDDEN and the reason; a list with one foreign element whole', async () => {
    const one = await run(schema, customer('u1'), '{ user(id: "u2") { id } }');
    expect(one).toEqual({ data: { user: null }, errors: [[FOREIGN_USER, 'user']] });
    const list = await run(schema, customer('u1'), '{ users { id } }');
    expect(list).toEqual({ data: null, errors: [[FOREIGN_USER, 'users']] });
  });

  it('enforces @FieldAllow whoever owns the parent', async () => {
    const res = await run(schema, customer('u1'), '{ me { customerGroups { name users { id } usersCount } } }');
    expect(res.data).toEqual({ me: { customerGroups: [{ name: 'VIP', users: null, usersCount: null }] } });
    expect(res.errors).toEqual([
      ['Reading CustomerGroup.users needs the canReadUsers or canManageUsers permission', 'me.customerGroups.0.users'],
      [
        'Reading CustomerGroup.usersCount needs the canReadUsers or canManageUsers permission',
        'me.customerGroups.0.usersCount',
      ],
    ]);
  });

  it('lets a user reader read others, but not their profiles without identity rights', async () => {
    const res = await run(schema, staff(Permission.CanReadUsers), '{ user(id: "u2") { id identity { id } } }');
    expect(res.data).toEqual({ user: { id: 'u2', identity: null } });
    expect(res.errors).toEqual([
      [
        "Reading another person's identity profile needs the identities:read or identities:write scope or the canManageIdentities permission",
        'user.identity',
      ],
    ]);
  });

  it('lets an identity token read profiles, never the account behind one', async () => {
    const res = await run(
      schema,
      token(Scope.IdentitiesRead),
      '{ identity(id: "u2") { id attributes { value } user { id } } }',
    );
    expect(res.data).toEqual({ identity: { id: 'p-u2', attributes: [{ value: 'gold' }], user: null } });
    expect(res.errors).toEqual([[FOREIGN_USER, 'identity.user']]);
  });

  it("sessions: the owner's own; someone else's only with canManageUsers (canReadUsers is not enough)", async () => {
    const own = await run(schema, customer('u1'), '{ sessions(userId: "u1") { id } }');
    expect(own).toEqual({ data: { sessions: [{ id: 's-u1' }] }, errors: undefined });
    const refused = [["Reading another user's sessions needs the canManageUsers permission", 'sessions']];
    for (const actor of [customer('u1'), staff(Permission.CanReadUsers)]) {
      expect(await run(schema, actor, '{ sessions(userId: "u2") { id } }')).toEqual({ data: null, errors: refused });
    }
    const admin = await run(schema, staff(Permission.CanManageUsers), '{ sessions(userId: "u2") { id } }');
    expect(admin.data).toEqual({ sessions: [{ id: 's-u2' }] });
  });

  it('a customer token never carries permissions, even when the actor object has some', async () => {
    const ctok: Actor = { ...customer('u1', 'customer-token'), permissions: new Set([Permission.CanReadUsers]) };
    expect((await run(schema, ctok, '{ user(id: "u2") { id } }')).errors).toEqual([[FOREIGN_USER, 'user']]);
  });

  it('@ReturnsOwnAccount: an anonymous caller reads the account just registered or signed in to, nothing more', async () => {
    const reg = await execute({
      schema,
      document: parse('mutation { register { id addresses { address1 } customerGroups { users { id } } } }'),
      contextValue: { req: { actor: ANONYMOUS } },
    });
    expect(reg.data).toEqual({
      register: { id: 'u2', addresses: [{ address1: 'Two Street' }], customerGroups: [{ users: null }] },
    });
    expect(reg.errors?.map((e) => e.path?.join('.'))).toEqual(['register.customerGroups.0.users']);

    const signIn = await run(
      schema,
      ANONYMOUS,
      '{ signIn { ... on UserAuthenticationWithPasswordSuccess { item { id addresses { address1 } } } } }',
    );
    expect(signIn).toEqual({
      data: { signIn: { item: { id: 'u2', addresses: [{ address1: 'Two Street' }] } } },
      errors: undefined,
    });
    // without the grant, the same account is foreign to an anonymous caller
    expect((await run(schema, ANONYMOUS, '{ user(id: "u2") { id } }')).errors).toEqual([[FOREIGN_USER, 'user']]);
  });
});
