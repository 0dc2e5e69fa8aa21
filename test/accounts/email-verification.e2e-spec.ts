import { AccountTokenEntity } from '../../src/auth/account-token.entity';
import { AuthService } from '../../src/auth/auth.service';
import { sha256 } from '../../src/auth/tokens';
import { linkOf, queuedMails, tokenMailedTo } from '../helpers/account-mail';
import { seedCustomerToken, seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';

/**
 * SPEC §7, email verification: a link mailed at registration and at every email change (with a notice to
 * the old address), `sendActiveUserEmailVerification`, `verifyUserEmail(token)`. Mails are read from the
 * outbox as queued (delivery has its own specs).
 */
const PUBLIC_URL = 'https://accounts.example.com/identity';
const PASSWORD = 'a verifiable passphrase';
const INVALID = 'Invalid or expired verification token';

const REGISTER = `mutation($data: UserRegisterInput!) { registerUser(data: $data) { id email emailVerified } }`;
const VERIFY = `mutation($token: String!) { verifyUserEmail(token: $token) { id email emailVerified } }`;
const SEND = `mutation { sendActiveUserEmailVerification }`;
const ME = `{ authenticatedItem { id email emailVerified } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    ... on UserAuthenticationWithPasswordSuccess { sessionToken }
  }
}`;

describe('email verification (SPEC §7)', () => {
  let t: TestApp;
  const verify = (token: string) => t.gql(VERIFY, { token });
  const registered = async (email: string) => {
    const reg = await t.gql(REGISTER, { data: { email, password: PASSWORD } });
    const session = (await t.gql(SIGN_IN, { email, password: PASSWORD })).data.authenticateUserWithPassword
      .sessionToken as string;
    return { id: reg.data.registerUser.id as string, session, reg };
  };
  const expectInvalid = (res: Awaited<ReturnType<typeof verify>>) =>
    expect([res.code, res.errors?.[0].message, res.errors?.[0].extensions?.field, res.data.verifyUserEmail]).toEqual([
      'BAD_USER_INPUT',
      INVALID,
      'token',
      null,
    ]);

  beforeAll(async () => {
    t = await startTestApp({ env: { PUBLIC_URL, EMAIL_VERIFICATION_TTL_HOURS: '24' } });
  });
  afterAll(() => t.close());

  it('registerUser queues a link to <PUBLIC_URL>/account/verify-email?token=… that verifies the address, anonymously, once', async () => {
    const { id, session, reg } = await registered('Ver.Ify@Example.com');
    expect(reg.data.registerUser).toEqual({ id, email: 'ver.ify@example.com', emailVerified: false });
    const mails = await queuedMails(t, 'ver.ify@example.com');
    expect(mails.map((m) => [m.template, m.subject])).toEqual([['email-verification', 'Confirm your email address']]);
    const link = linkOf(mails[0].text);
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_URL}/account/verify-email`);
    expect([...link.searchParams.keys()]).toEqual(['token']);
    const token = link.searchParams.get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mails[0].text).toContain('open this link within 24 hours');
    const row = await t.dataSource.getRepository(AccountTokenEntity).findOneByOrFail({ userId: id });
    expect(row).toMatchObject({
      purpose: 'email-verification',
      tokenHash: sha256(token),
      email: 'ver.ify@example.com',
    });
    expect(Math.abs(row.expiresAt.getTime() - Date.now() - 24 * 3_600_000)).toBeLessThan(60_000);

    const res = await verify(token);
    expect(res.errors).toBeUndefined();
    expect(res.data.verifyUserEmail).toEqual({ id, email: 'ver.ify@example.com', emailVerified: true });
    expect((await t.gql(ME, {}, session)).data.authenticatedItem.emailVerified).toBe(true);

    expectInvalid(await verify(token));
  });

  it('an unknown, empty or expired token is BAD_USER_INPUT "Invalid or expired verification token", and changes nothing', async () => {
    const { id, session } = await registered('late@example.com');
    const token = await tokenMailedTo(t, 'late@example.com', 'email-verification');
    expectInvalid(await verify('not-a-token'));
    expectInvalid(await verify(''));
    await t.dataSource
      .getRepository(AccountTokenEntity)
      .update({ userId: id, purpose: 'email-verification' }, { expiresAt: new Date(Date.now() - 1000) });
    expectInvalid(await verify(token));
    expect((await t.gql(ME, {}, session)).data.authenticatedItem.emailVerified).toBe(false);
  });

  it('the token is the proof: a signed-in caller verifies the account the token was mailed for, not their own', async () => {
    const owner = await registered('token-owner@example.com');
    const other = await seedUser(t);
    const res = await t.gql(
      VERIFY,
      { token: await tokenMailedTo(t, 'token-owner@example.com', 'email-verification') },
      other.token,
    );
    expect(res.data.verifyUserEmail).toEqual({ id: owner.id, email: 'token-owner@example.com', emailVerified: true });
    expect((await t.gql(ME, {}, other.token)).data.authenticatedItem.emailVerified).toBe(false);
  });

  it('an address no mail can go to (a quoted local part) registers, unverified, and no mail is queued for it', async () => {
    const email = '"john doe"@example.com';
    const before = (await queuedMails(t)).length;
    const { reg, session } = await registered(email);
    expect(reg.errors).toBeUndefined();
    expect(reg.data.registerUser).toMatchObject({ email, emailVerified: false });
    const again = await t.gql(SEND, {}, session);
    expect([again.code, again.errors?.[0].message]).toEqual([
      'BAD_USER_INPUT',
      'No mail can be sent to the email address of the account',
    ]);
    const reset = await t.gql(`mutation($e: String!) { sendUserPasswordResetLink(email: $e) }`, { e: email });
    expect(reset.data.sendUserPasswordResetLink).toBe(true);
    await t.app.get(AuthService).idle();
    expect((await queuedMails(t)).length).toBe(before);
  });

  describe('sendActiveUserEmailVerification', () => {
    it('mails a new link (the earlier one stops working); session only', async () => {
      const { session } = await registered('again@example.com');
      const first = await tokenMailedTo(t, 'again@example.com', 'email-verification');
      expect((await t.gql(SEND, {}, session)).data).toEqual({ sendActiveUserEmailVerification: true });
      const second = await tokenMailedTo(t, 'again@example.com', 'email-verification');
      expect(second).not.toBe(first);
      expectInvalid(await verify(first));
      expect((await verify(second)).data.verifyUserEmail.emailVerified).toBe(true);

      const anonymous = await t.gql(SEND);
      expect([anonymous.code, anonymous.errors?.[0].message]).toEqual(['UNAUTHENTICATED', 'Authentication required']);
      const customer = await seedUser(t);
      const ctok = await seedCustomerToken(t, customer.user.id);
      expect((await t.gql(SEND, {}, ctok)).code).toBe('FORBIDDEN');
    });

    it('is BAD_USER_INPUT once the address is verified', async () => {
      const { session } = await registered('done@example.com');
      await verify(await tokenMailedTo(t, 'done@example.com', 'email-verification'));
      const res = await t.gql(SEND, {}, session);
      expect([res.code, res.errors?.[0].message]).toEqual(['BAD_USER_INPUT', 'The email address is already verified']);
    });

    it('is limited to 5 an hour per user', async () => {
      const { session } = await registered('eager@example.com');
      for (let i = 0; i < 5; i++)
        expect((await t.gql(SEND, {}, session)).data.sendActiveUserEmailVerification).toBe(true);
      const over = await t.gql(SEND, {}, session);
      expect(over.code).toBe('TOO_MANY_REQUESTS');
      expect(over.errors?.[0].message).toMatch(/^Too many verification mails\. Try again in \d+ seconds\.$/);
      expect(await queuedMails(t, 'eager@example.com', 'email-verification')).toHaveLength(6); // registration + 5
    });
  });

  describe('an email change', () => {
    it('by the user: unverified, a link to the new address, a notice (masked) to the old one', async () => {
      const { session } = await registered('old-self@example.com');
      const oldLink = await tokenMailedTo(t, 'old-self@example.com', 'email-verification');
      await verify(oldLink);
      const pending = await t.gql(SEND, {}, session); // verified: refused, no new link
      expect(pending.code).toBe('BAD_USER_INPUT');

      const res = await t.gql(
        `mutation { updateActiveUser(data: { email: "New-Self@example.com" }) { email emailVerified } }`,
        {},
        session,
      );
      expect(res.data.updateActiveUser).toEqual({ email: 'new-self@example.com', emailVerified: false });
      const toNew = await queuedMails(t, 'new-self@example.com');
      expect(toNew.map((m) => m.template)).toEqual(['email-verification']);
      const notice = await queuedMails(t, 'old-self@example.com', 'email-changed');
      expect(notice).toHaveLength(1);
      expect(notice[0].subject).toBe('Your email address was changed');
      expect(notice[0].text).toContain('was changed to n***@example.com.');
      expect(notice[0].text).not.toContain('new-self');

      expect((await verify(linkOf(toNew[0].text).searchParams.get('token')!)).data.verifyUserEmail).toMatchObject({
        email: 'new-self@example.com',
        emailVerified: true,
      });
    });

    it('a link mailed to the previous address no longer verifies anything', async () => {
      const { session } = await registered('first-address@example.com');
      const token = await tokenMailedTo(t, 'first-address@example.com', 'email-verification');
      await t.gql(`mutation { updateActiveUser(data: { email: "second-address@example.com" }) { id } }`, {}, session);
      expectInvalid(await verify(token));
      expect((await t.gql(ME, {}, session)).data.authenticatedItem).toMatchObject({
        email: 'second-address@example.com',
        emailVerified: false,
      });
    });

    it('by an admin: the same mails', async () => {
      const admin = await seedUser(t, { permissions: 'all' });
      const { id } = await registered('admin-old@example.com');
      await verify(await tokenMailedTo(t, 'admin-old@example.com', 'email-verification'));
      const res = await t.gql(
        `mutation { updateUser(where: { id: "${id}" }, data: { email: "admin-new@example.com" }) { emailVerified } }`,
        {},
        admin.token,
      );
      expect(res.data.updateUser).toEqual({ emailVerified: false });
      expect((await queuedMails(t, 'admin-new@example.com')).map((m) => m.template)).toEqual(['email-verification']);
      expect((await queuedMails(t, 'admin-old@example.com', 'email-changed')).map((m) => m.subject)).toEqual([
        'Your email address was changed',
      ]);
    });

    it('to the same address (or no email in the update) changes nothing and mails nothing', async () => {
      const { session } = await registered('same@example.com');
      await verify(await tokenMailedTo(t, 'same@example.com', 'email-verification'));
      const before = (await queuedMails(t)).length;
      const res = await t.gql(
        `mutation { a: updateActiveUser(data: { email: "SAME@example.com" }) { emailVerified } b: updateActiveUser(data: { name: "Same" }) { emailVerified } }`,
        {},
        session,
      );
      expect(res.data).toEqual({ a: { emailVerified: true }, b: { emailVerified: true } });
      expect((await queuedMails(t)).length).toBe(before);
    });

    it('that fails (a taken address) queues no mail', async () => {
      await registered('taken-one@example.com');
      const { session } = await registered('taker@example.com');
      const before = (await queuedMails(t)).length;
      const res = await t.gql(
        `mutation { updateActiveUser(data: { email: "taken-one@example.com" }) { id } }`,
        {},
        session,
      );
      expect(res.code).toBe('CONFLICT');
      expect((await queuedMails(t)).length).toBe(before);
    });
  });
});
