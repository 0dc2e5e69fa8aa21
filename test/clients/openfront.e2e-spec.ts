import { buildClientSchema, getIntrospectionQuery, GraphQLSchema, IntrospectionQuery, parse, validate } from 'graphql';
import { authHeaders, startTestApp, TestApp } from '../helpers/test-app';

/**
 * Issue 12: Openfront's storefront (openshiporg/openfront, features/storefront/lib/data/user.ts and
 * business-accounts.ts) works against Identity Hub by changing only the URL. These documents are written
 * for this test in the shapes the storefront sends (names, fragments, selections, variables), for
 * sign-in, the account page, the profile edits and the address book; each one validates against the
 * live schema and runs as the signed-in customer, posted where the storefront posts them:
 * `${NEXT_PUBLIC_BACKEND_URL}/api/graphql`, with `Authorization: Bearer <session token>`.
 *
 * Left out, because they belong to the commerce engine rather than to Identity Hub: `getCustomerOrders`
 * (the storefront asks for it next to the account page, as `orders: getCustomerOrders`) and the cart.
 */
const ADDRESS_FIELDS = `id
      firstName
      lastName
      company
      address1
      address2
      city
      province
      postalCode
      country {
        id
        iso2
        name
      }
      phone`;

const DOCUMENTS = {
  // the account layout (getUser)
  accountPage: `query GetAuthenticatedItem {
  authenticatedItem {
    ... on User {
      id
      email
      firstName
      lastName
      phone
      customerToken
      orderWebhookUrl
      billingAddress {
      ${ADDRESS_FIELDS}
      }
      addresses(orderBy: [{ isBilling: desc }]) {
      ${ADDRESS_FIELDS}
        isBilling
      }
    }
  }
}`,
  // the address book and the overview (getUserAddresses, getUserWithOrders without the orders)
  addressBook: `query GetUserAddresses {
  authenticatedItem {
    ... on User {
      id
      email
      firstName
      lastName
      phone
      billingAddress {
        firstName
        lastName
        company
        address1
        address2
        city
        province
        postalCode
        country {
          id
          iso2
        }
        phone
      }
      addresses {
        id
        firstName
        lastName
        company
        address1
        address2
        city
        province
        postalCode
        country {
          id
          iso2
        }
        phone
      }
    }
  }
}`,
  // the login form (login): the sign-in answer also carries the active cart
  login: `mutation AuthenticateUser($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess {
      sessionToken
      item {
        id
        email
        activeCartId
      }
    }
    ... on UserAuthenticationWithPasswordFailure {
      message
      __typename
    }
  }
}`,
  // authenticate(): only the item's id
  authenticate: `mutation Authenticate($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess {
      item {
        id
      }
    }
    ... on UserAuthenticationWithPasswordFailure {
      message
    }
  }
}`,
  signOut: `mutation EndSession {
  endSession
}`,
  updateEmail: `mutation UpdateUser($data: UserUpdateProfileInput!) {
  updateActiveUser(data: $data) {
    id
    email
  }
}`,
  updateName: `mutation UpdateUser($data: UserUpdateProfileInput!) {
  updateActiveUser(data: $data) {
    id
    name
  }
}`,
  updatePhone: `mutation UpdateUser($data: UserUpdateProfileInput!) {
  updateActiveUser(data: $data) {
    id
    phone
  }
}`,
  updateWebhook: `mutation UpdateUserWebhookUrl($data: UserUpdateProfileInput!) {
  updateActiveUser(data: $data) {
    id
    orderWebhookUrl
  }
}`,
  updatePassword: `mutation UpdatePassword(
  $oldPassword: String!
  $newPassword: String!
  $confirmPassword: String!
) {
  updateActiveUserPassword(
    oldPassword: $oldPassword
    newPassword: $newPassword
    confirmPassword: $confirmPassword
  ) {
    id
  }
}`,
  createAddress: `mutation CreateAddress($data: AddressCreateInput!) {
  createActiveUserAddress(data: $data) {
    id
    addresses {
      id
      isBilling
    }
  }
}`,
  updateAddress: `mutation UpdateAddress($where: AddressWhereUniqueInput!, $data: AddressUpdateInput!) {
  updateActiveUserAddress(where: $where, data: $data) {
    id
    addresses {
      id
      isBilling
    }
  }
}`,
  deleteAddress: `mutation DeleteAddress($where: AddressWhereUniqueInput!) {
  deleteActiveUserAddress(where: $where) {
    id
  }
}`,
  regenerateToken: `mutation RegenerateCustomerToken {
  regenerateCustomerToken {
    success
    token
  }
}`,
};

describe('Openfront storefront documents (issue 12)', () => {
  let t: TestApp;
  let schema: GraphQLSchema;
  const email = 'ada.lovelace@example.com';
  let password = 'analytical engine notes 1843';
  let session: string;
  let userId: string;
  let home: string;
  let office: string;

  /** Posts a document as the storefront does (graphql-request: JSON to /api/graphql, the session as a Bearer). */
  async function post(document: string, variables: Record<string, unknown>, credential: string | null) {
    const res = await t
      .http()
      .post('/api/graphql')
      .set({ 'content-type': 'application/json', ...authHeaders(credential ?? undefined) })
      .send({ query: document, variables });
    expect(res.status).toBe(200);
    return res.body as { data?: Record<string, any>; errors?: { message: string }[] };
  }

  /** Runs a storefront document as the signed-in customer (null: no cookie, no header): no errors, the data. */
  async function run(document: string, variables: Record<string, unknown> = {}, credential: string | null = session) {
    const res = await post(document, variables, credential);
    expect(res.errors).toBeUndefined();
    return res.data!;
  }

  beforeAll(async () => {
    t = await startTestApp();
    const introspection = await t.gql<IntrospectionQuery>(getIntrospectionQuery());
    schema = buildClientSchema(introspection.data);
    // The storefront's sign-up form calls createUser anonymously; Identity Hub's public sign-up is
    // registerUser (createUser is for user managers), so the account is created with it.
    const reg = await t.gql(`mutation($data: UserRegisterInput!) { registerUser(data: $data) { id } }`, {
      data: { name: 'Ada B. Lovelace', email, password },
    });
    expect(reg.errors).toBeUndefined();
    userId = reg.data.registerUser.id;
  });
  afterAll(() => t.close());

  it('every document validates against the live schema', () => {
    for (const [name, document] of Object.entries(DOCUMENTS)) {
      expect([name, validate(schema, parse(document)).map((e) => e.message)]).toEqual([name, []]);
    }
  });

  it('signs in: the sign-in answer carries activeCartId (null: carts live in the commerce engine)', async () => {
    const login = (await run(DOCUMENTS.login, { email, password }, null)).authenticateUserWithPassword;
    expect(login).toEqual({
      sessionToken: expect.stringMatching(/^[0-9a-f]{64}$/),
      item: { id: userId, email, activeCartId: null },
    });
    session = login.sessionToken;
    const auth = (await run(DOCUMENTS.authenticate, { email, password }, null)).authenticateUserWithPassword;
    expect(auth).toEqual({ item: { id: userId } });
    const wrong = (await run(DOCUMENTS.login, { email, password: 'not the password at all' }, null))
      .authenticateUserWithPassword;
    expect(wrong).toEqual({ message: 'Authentication failed.', __typename: 'UserAuthenticationWithPasswordFailure' });
  });

  it('keeps an address book: billing address first, billingAddress, names split as Openfront shows them', async () => {
    const first = await run(DOCUMENTS.createAddress, {
      data: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: 'Analytical Engines Ltd',
        address1: '12 St James Square',
        address2: null,
        city: 'London',
        province: 'Greater London',
        postalCode: 'SW1Y 4JH',
        country: { connect: { iso2: 'GB' } },
        phone: '+44 20 7946 0958',
        isBilling: false,
      },
    });
    home = first.createActiveUserAddress.addresses[0].id;
    const second = await run(DOCUMENTS.createAddress, {
      data: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: '',
        address1: 'Ockham Park',
        address2: 'East Horsley',
        city: 'Surrey',
        province: '',
        postalCode: 'KT24 6QT',
        country: { connect: { iso2: 'GB' } },
        phone: '',
        isBilling: true,
      },
    });
    office = second.createActiveUserAddress.addresses.find((a: { id: string }) => a.id !== home).id;
    expect(second.createActiveUserAddress).toEqual({
      id: userId,
      addresses: [
        { id: home, isBilling: false },
        { id: office, isBilling: true },
      ],
    });

    const me = (await run(DOCUMENTS.accountPage)).authenticatedItem;
    const ockham = {
      id: office,
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: null,
      address1: 'Ockham Park',
      address2: 'East Horsley',
      city: 'Surrey',
      province: null,
      postalCode: 'KT24 6QT',
      country: { id: 'GB', iso2: 'GB', name: 'United Kingdom' },
      phone: null,
    };
    const london = {
      id: home,
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines Ltd',
      address1: '12 St James Square',
      address2: null,
      city: 'London',
      province: 'Greater London',
      postalCode: 'SW1Y 4JH',
      country: ockham.country,
      phone: '+442079460958',
    };
    expect(me).toEqual({
      id: userId,
      email,
      firstName: 'Ada',
      lastName: 'B. Lovelace',
      phone: null,
      customerToken: null,
      orderWebhookUrl: null,
      billingAddress: ockham,
      // orderBy: [{ isBilling: desc }]: the billing address first, then the others oldest first
      addresses: [
        { ...ockham, isBilling: true },
        { ...london, isBilling: false },
      ],
    });

    const book = (await run(DOCUMENTS.addressBook)).authenticatedItem;
    const short = ({ id: _id, country, ...rest }: Record<string, any>) => ({
      ...rest,
      country: { id: country.id, iso2: country.iso2 },
    });
    expect(book).toEqual({
      id: userId,
      email,
      firstName: 'Ada',
      lastName: 'B. Lovelace',
      phone: null,
      billingAddress: short(ockham),
      // without orderBy: oldest first
      addresses: [
        { ...short(london), id: home },
        { ...short(ockham), id: office },
      ],
    });
  });

  it('moves the billing address with updateActiveUserAddress and deletes one', async () => {
    const moved = await run(DOCUMENTS.updateAddress, {
      where: { id: home },
      data: { isBilling: true, city: 'Westminster' },
    });
    expect(moved.updateActiveUserAddress.addresses).toEqual([
      { id: home, isBilling: true },
      { id: office, isBilling: false },
    ]);
    const me = (await run(DOCUMENTS.accountPage)).authenticatedItem;
    expect(me.billingAddress).toMatchObject({ id: home, city: 'Westminster' });
    expect(me.addresses.map((a: { id: string }) => a.id)).toEqual([home, office]);

    const deleted = await run(DOCUMENTS.deleteAddress, { where: { id: home } });
    expect(deleted.deleteActiveUserAddress).toEqual({ id: home });
    const after = (await run(DOCUMENTS.accountPage)).authenticatedItem;
    expect(after.billingAddress).toBeNull();
    expect(after.addresses.map((a: { id: string; isBilling: boolean }) => [a.id, a.isBilling])).toEqual([
      [office, false],
    ]);
  });

  it('edits the profile the way the storefront forms do', async () => {
    // the name form sends firstName + " " + lastName, prefilled from the derived fields
    const { firstName, lastName } = (await run(DOCUMENTS.accountPage)).authenticatedItem;
    const name = await run(DOCUMENTS.updateName, { data: { name: `${firstName} ${lastName}` } });
    expect(name.updateActiveUser).toEqual({ id: userId, name: 'Ada B. Lovelace' });
    const renamed = await run(DOCUMENTS.updateName, { data: { name: 'Augusta Ada King' } });
    expect(renamed.updateActiveUser.name).toBe('Augusta Ada King');
    const me = (await run(DOCUMENTS.accountPage)).authenticatedItem;
    expect([me.firstName, me.lastName]).toEqual(['Augusta', 'Ada King']);

    expect((await run(DOCUMENTS.updatePhone, { data: { phone: '+44 20 7946 0000' } })).updateActiveUser).toEqual({
      id: userId,
      phone: '+442079460000',
    });
    expect(
      (await run(DOCUMENTS.updateWebhook, { data: { orderWebhookUrl: 'https://orders.example.com/hook' } }))
        .updateActiveUser,
    ).toEqual({ id: userId, orderWebhookUrl: 'https://orders.example.com/hook' });
    expect((await run(DOCUMENTS.updateEmail, { data: { email: 'Ada.King@Example.com' } })).updateActiveUser).toEqual({
      id: userId,
      email: 'ada.king@example.com',
    });
  });

  it('shows a new customer token once; customerToken stays null (only its hash is stored)', async () => {
    const token = (await run(DOCUMENTS.regenerateToken)).regenerateCustomerToken;
    expect(token).toEqual({ success: true, token: expect.stringMatching(/^ctok_[0-9a-f]{64}$/) });
    expect((await run(DOCUMENTS.accountPage)).authenticatedItem.customerToken).toBeNull();
    // the token works, and reads the same account page
    const viaToken = (await run(DOCUMENTS.accountPage, {}, token.token)).authenticatedItem;
    expect([viaToken.id, viaToken.customerToken, viaToken.firstName]).toEqual([userId, null, 'Augusta']);
  });

  it('changes the password and signs out', async () => {
    const newPassword = 'difference engine plans 1834';
    const changed = await run(DOCUMENTS.updatePassword, {
      oldPassword: password,
      newPassword,
      confirmPassword: newPassword,
    });
    expect(changed.updateActiveUserPassword).toEqual({ id: userId });
    password = newPassword;
    expect((await run(DOCUMENTS.signOut)).endSession).toBe(true);
    const anonymous = await post(DOCUMENTS.accountPage, {}, null);
    expect(anonymous.data!.authenticatedItem).toBeNull();
    const again = await run(DOCUMENTS.login, { email: 'ada.king@example.com', password }, null);
    expect(again.authenticateUserWithPassword.item).toEqual({
      id: userId,
      email: 'ada.king@example.com',
      activeCartId: null,
    });
  });
});
