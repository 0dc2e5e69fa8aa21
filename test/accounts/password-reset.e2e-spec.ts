import { AccountTokenEntity } from '../../src/auth/account-token.entity';
import { AuthService } from '../../src/auth/auth.service';
import { PASSWORD_MESSAGES } from '../../src/auth/password-policy';
import { Scope } from '../../src/auth/permissions';
import { sha256 } from '../../src/auth/tokens';
import { COMMANDS } from '../../src/cli/commands';
import { TransactionService } from '../../src/database/transaction.service';
import { OutboxEntity } from '../../src/outbox/outbox.entity';
import { OutboxWorker } from '../../src/outbox/outbox.worker';
import { UserEntity } from '../../src/user/user.entity';
import { linkOf } from '../helpers/account-mail';
import { seedApiToken, seedCustomerToken, seedUser } from '../helpers/factories';
import { ReceivedMail, TestSmtp } from '../helpers/smtp';
import { isPostgres, startTestApp, TestApp } from '../helpers/test-app';

/**
 * SPEC §7, password reset with Keystone's names, shapes and messages, end to end: the mail arrives at a
 * real SMTP server, its link is redeemed, and the account signs in with the new password.
 */
const PUBLIC_URL = 'https://id.example.com';
const PASSWORD = 'the old passphrase 1';
const NEW_PASSWORD = 'a brand new passphrase 2';

const SEND = `mutation($email: String!) { sendUserPasswordResetLink(email: $email) }`;
const VALIDATE = `query($email: String!, $token: String!) { validateUserPasswordResetToken(email: $email, token: $token) { code message } }`;
const REDEEM = `mutation($email: String!, $token: String!, $password: String!) {
  redeemUserPasswordResetToken(email: $email, token: $token, password: $password) { code message } }`;
const SIGN_IN = `mutation($email: String!, $password: String!) {
  authenticateUserWithPassword(email: $email, password: $password) {
    __typename
    ... on UserAuthenticationWithPasswordSuccess { sessionToken }
    ... on UserAuthenticationWithPasswordFailure { message }
  }
}`;
const ME = `{ authenticatedItem { id email emailVerified hasAccount identity { id email attributes { name value } } } }`;

const FAILURE = { code: 'FAILURE', message: 'Auth token redemption failed.' };
const EXPIRED = { code: 'TOKEN_EXPIRED', message: 'The auth token provided has expired.' };
const REDEEMED = {
  code: 'TOKEN_REDEEMED',
  message: 'Auth tokens are single use and the auth token provided has already been redeemed.',
};

describe('password reset (SPEC §7, Keystone names)', () => {
  let smtp: TestSmtp;
  let t: TestApp;

  const send = (email: string) => t.gql(SEND, { email });
  const validate = async (email: string, token: string) =>
    (await t.gql(VALIDATE, { email, token })).data.validateUserPasswordResetToken;
  const redeem = (email: string, token: string, password = NEW_PASSWORD) => t.gql(REDEEM, { email, token, password });
  const signIn = async (email: string, password: string) =>
    (await t.gql(SIGN_IN, { email, password })).data.authenticateUserWithPassword;
  const me = async (credential: string) => t.gql(ME, {}, credential);

  /** Waits for the work after the answers, delivers the outbox, and returns the mails received since. */
  async function deliver(): Promise<ReceivedMail[]> {
    const before = smtp.mails.length;
    await t.app.get(AuthService).idle();
    const result = await t.app.get(OutboxWorker).runOnce();
    if (result.sent) await smtp.waitFor(before + result.sent);
    return smtp.mails.slice(before);
  }

  /** Asks for a reset link and returns it as mailed. */
  async function resetLink(email: string): Promise<{ link: URL; token: string; mail: ReceivedMail }> {
    expect((await send(email)).data.sendUserPasswordResetLink).toBe(true);
    const to = email.trim().toLowerCase();
    const mails = (await deliver()).filter((m) => m.to === to && m.subject === 'Reset your password');
    expect(mails).toHaveLength(1);
    const link = linkOf(mails[0].text!);
    return { link, token: link.searchParams.get('token')!, mail: mails[0] };
  }

  async function account(email: string, password: string | null = PASSWORD) {
    const seeded = await seedUser(t, { email, password: password ?? undefined });
    return seeded;
  }

  beforeAll(async () => {
    smtp = await TestSmtp.start();
    t = await startTestApp({
      captureLogs: true,
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: `${PUBLIC_URL}/`,
        MAIL_FROM: 'Shop <accounts@shop.example>',
        RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS: '1000',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });
  beforeEach(() => smtp.restart());

  describe('sendUserPasswordResetLink', () => {
    it('mails a one-time link to <PUBLIC_URL>/account/reset-password?email=…&token=… (32 random bytes, URL-safe, stored hashed)', async () => {
      const { user } = await account('Jane.Reset@Example.com');
      const { link, token, mail } = await resetLink('  JANE.reset@example.com ');
      expect(mail).toMatchObject({
        to: 'jane.reset@example.com',
        from: 'Shop <accounts@shop.example>',
        subject: 'Reset your password',
      });
      expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_URL}/account/reset-password`);
      expect([...link.searchParams.keys()]).toEqual(['email', 'token']);
      expect(link.searchParams.get('email')).toBe('jane.reset@example.com');
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(mail.text).toContain('open this link within 60 minutes');
      expect(mail.html).toContain(link.href.replace(/&/g, '&amp;'));
      const rows = await t.dataSource.getRepository(AccountTokenEntity).find({ where: { userId: user.id } });
      expect(rows).toEqual([
        expect.objectContaining({
          purpose: 'password-reset',
          tokenHash: sha256(token),
          email: 'jane.reset@example.com',
        }),
      ]);
      expect(JSON.stringify(rows)).not.toContain(token);
    });

    it('answers true for an unknown address too, and sends nothing', async () => {
      const before = await t.dataSource.getRepository(AccountTokenEntity).count();
      const known = await account('known@example.com');
      const res = [await send('nobody-here@example.com'), await send(known.user.email!)];
      expect(res.map((r) => [r.status, r.body])).toEqual([
        [200, { data: { sendUserPasswordResetLink: true } }],
        [200, { data: { sendUserPasswordResetLink: true } }],
      ]);
      const mails = await deliver();
      expect(mails.map((m) => m.to)).toEqual(['known@example.com']);
      expect(await t.dataSource.getRepository(AccountTokenEntity).count()).toBe(before + 1);
    });

    it('answers before it looks anything up: the answer cannot depend on whether the address has a user', async () => {
      const { user } = await account('timing@example.com');
      // Hold the users table (PostgreSQL) or the write queue (SQLite): a look-up before the answer would wait.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let held: Promise<void>;
      if (isPostgres()) {
        const runner = t.dataSource.createQueryRunner();
        await runner.startTransaction();
        await runner.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
        held = gate.then(async () => {
          await runner.commitTransaction();
          await runner.release();
        });
      } else {
        let locked!: () => void;
        const taken = new Promise<void>((resolve) => (locked = resolve));
        held = t.app.get(TransactionService).run(async () => {
          locked();
          await gate;
        });
        await taken;
      }
      try {
        const answers = await Promise.all([send('timing@example.com'), send('timing-nobody@example.com')]);
        expect(answers.map((a) => a.body)).toEqual([
          { data: { sendUserPasswordResetLink: true } },
          { data: { sendUserPasswordResetLink: true } },
        ]);
      } finally {
        release();
        await held;
      }
      await t.app.get(AuthService).idle();
      expect(await t.dataSource.getRepository(AccountTokenEntity).countBy({ userId: user.id })).toBe(1);
      await deliver();
    });

    it('a malformed address is BAD_USER_INPUT (whoever asks), and changes nothing', async () => {
      const res = await send('not-an-email');
      expect([res.code, res.errors?.[0].message]).toEqual([
        'BAD_USER_INPUT',
        'email is not a valid email address: not-an-email',
      ]);
    });

    it('is limited to 5 an hour per email, counted alike for an unknown address', async () => {
      await account('limited@example.com');
      for (const email of ['limited@example.com', 'limited-nobody@example.com']) {
        for (let i = 0; i < 5; i++) expect((await send(email)).data.sendUserPasswordResetLink).toBe(true);
        const over = await send(email.toUpperCase());
        expect(over.code).toBe('TOO_MANY_REQUESTS');
        expect(over.errors?.[0].message).toMatch(
          /^Too many password reset links for this email\. Try again in \d+ seconds\.$/,
        );
      }
      await deliver();
    });

    it('a newer link replaces the older one', async () => {
      await account('twice@example.com');
      const first = await resetLink('twice@example.com');
      const second = await resetLink('twice@example.com');
      expect(await validate('twice@example.com', first.token)).toEqual(FAILURE);
      expect(await validate('twice@example.com', second.token)).toBeNull();
    });
  });

  describe('validateUserPasswordResetToken and redeemUserPasswordResetToken', () => {
    it('redeems once: sets the password, ends every session and the customer token, verifies the email', async () => {
      const { user, token: session } = await account('redeem@example.com');
      const ctok = await seedCustomerToken(t, user.id);
      expect((await me(session)).data.authenticatedItem).toMatchObject({ emailVerified: false, identity: null });
      expect((await me(ctok)).data.authenticatedItem.id).toBe(user.id);

      const { token } = await resetLink('redeem@example.com');
      expect(await validate('redeem@example.com', token)).toBeNull();
      const res = await redeem('Redeem@Example.com', token);
      expect(res.body).toEqual({ data: { redeemUserPasswordResetToken: null } });

      for (const old of [session, ctok]) {
        const gone = await me(old);
        expect([gone.code, gone.errors?.[0].message]).toEqual(['UNAUTHENTICATED', expect.any(String)]);
      }
      expect(await signIn('redeem@example.com', PASSWORD)).toEqual({
        __typename: 'UserAuthenticationWithPasswordFailure',
        message: 'Authentication failed.',
      });
      const fresh = await signIn('redeem@example.com', NEW_PASSWORD);
      expect(fresh.__typename).toBe('UserAuthenticationWithPasswordSuccess');
      expect((await me(fresh.sessionToken)).data.authenticatedItem).toMatchObject({
        emailVerified: true,
        identity: { email: 'redeem@example.com' },
      });
      const row = await t.dataSource.getRepository(UserEntity).findOneByOrFail({ id: user.id });
      expect([row.customerTokenHash, row.tokenGeneratedAt]).toEqual([null, null]);

      // once only
      expect(await validate('redeem@example.com', token)).toEqual(REDEEMED);
      expect(
        (await redeem('redeem@example.com', token, 'yet another passphrase')).data.redeemUserPasswordResetToken,
      ).toEqual(REDEEMED);
      expect((await signIn('redeem@example.com', NEW_PASSWORD)).__typename).toBe(
        'UserAuthenticationWithPasswordSuccess',
      );
    });

    it('FAILURE for a wrong token, a token of another address, an unknown address; TOKEN_EXPIRED after its lifetime', async () => {
      const { user } = await account('mine@example.com');
      await account('yours@example.com');
      const { token } = await resetLink('mine@example.com');
      const other = await resetLink('yours@example.com');
      const cases: [string, string][] = [
        ['mine@example.com', 'not-the-token'],
        ['mine@example.com', other.token],
        ['yours@example.com', token],
        ['unknown@example.com', token],
        ['mine@example.com', ''],
        ['not an email', token],
      ];
      for (const [email, tried] of cases) {
        expect(await validate(email, tried)).toEqual(FAILURE);
        expect((await redeem(email, tried)).body).toEqual({ data: { redeemUserPasswordResetToken: FAILURE } });
      }
      expect(await validate('mine@example.com', token)).toBeNull(); // still usable: nothing above touched it

      await t.dataSource
        .getRepository(AccountTokenEntity)
        .update({ userId: user.id, purpose: 'password-reset' }, { expiresAt: new Date(Date.now() - 1000) });
      expect(await validate('mine@example.com', token)).toEqual(EXPIRED);
      expect((await redeem('mine@example.com', token)).data.redeemUserPasswordResetToken).toEqual(EXPIRED);
      expect((await signIn('mine@example.com', PASSWORD)).__typename).toBe('UserAuthenticationWithPasswordSuccess');
    });

    it('a weak password is BAD_USER_INPUT with the usual message, and the token stays usable', async () => {
      await account('weak@example.com');
      const { token } = await resetLink('weak@example.com');
      for (const [password, message] of [
        ['short', PASSWORD_MESSAGES.tooShort],
        ['password1234', PASSWORD_MESSAGES.common],
        ['x'.repeat(1001), PASSWORD_MESSAGES.tooLong],
      ]) {
        const res = await redeem('weak@example.com', token, password);
        expect([res.code, res.errors?.[0].message, res.errors?.[0].extensions?.field]).toEqual([
          'BAD_USER_INPUT',
          message,
          'password',
        ]);
      }
      expect(await validate('weak@example.com', token)).toBeNull();
      expect((await signIn('weak@example.com', PASSWORD)).__typename).toBe('UserAuthenticationWithPasswordSuccess');
      expect((await redeem('weak@example.com', token)).data.redeemUserPasswordResetToken).toBeNull();
    });

    it('a link mailed before an email change proves nothing afterwards', async () => {
      const { token: session } = await account('before-change@example.com');
      const { token } = await resetLink('before-change@example.com');
      await t.gql(`mutation { updateActiveUser(data: { email: "after-change@example.com" }) { id } }`, {}, session);
      expect(await validate('before-change@example.com', token)).toEqual(FAILURE);
      expect(await validate('after-change@example.com', token)).toEqual(FAILURE);
      await deliver();
    });

    it('concurrent redemptions of one token: one wins, the others are TOKEN_REDEEMED', async () => {
      await account('race@example.com');
      const { token } = await resetLink('race@example.com');
      const results = await Promise.all(
        Array.from({ length: 4 }, (_, i) => redeem('race@example.com', token, `${NEW_PASSWORD} ${i}`)),
      );
      const answers = results.map((r) => r.data.redeemUserPasswordResetToken);
      expect(answers.filter((a) => a === null)).toHaveLength(1);
      expect(answers.filter((a) => a !== null)).toEqual([REDEEMED, REDEEMED, REDEEMED]);
      const winner = answers.indexOf(null);
      expect((await signIn('race@example.com', `${NEW_PASSWORD} ${winner}`)).__typename).toBe(
        'UserAuthenticationWithPasswordSuccess',
      );
    });

    it("clears the email's sign-in count: the owner gets in at once after a lock-out", async () => {
      await account('locked@example.com');
      for (let i = 0; i < 10; i++) await signIn('locked@example.com', `wrong guess number ${i}`);
      const locked = await t.gql(SIGN_IN, { email: 'locked@example.com', password: PASSWORD });
      expect(locked.code).toBe('TOO_MANY_REQUESTS');
      const { token } = await resetLink('locked@example.com');
      expect((await redeem('locked@example.com', token)).data.redeemUserPasswordResetToken).toBeNull();
      expect((await signIn('locked@example.com', NEW_PASSWORD)).__typename).toBe(
        'UserAuthenticationWithPasswordSuccess',
      );
    });
  });

  describe('what a reset is for', () => {
    it('a customer record created without a password is claimed with it', async () => {
      const admin = await seedUser(t, { permissions: 'all' });
      const created = await t.gql(
        `mutation { createUser(data: { name: "Walk-in", email: "walk-in@example.com" }) { id hasAccount emailVerified } }`,
        {},
        admin.token,
      );
      expect(created.data.createUser).toMatchObject({ hasAccount: false, emailVerified: false });
      const { token } = await resetLink('walk-in@example.com');
      expect((await redeem('walk-in@example.com', token)).data.redeemUserPasswordResetToken).toBeNull();
      const signedIn = await signIn('walk-in@example.com', NEW_PASSWORD);
      expect((await me(signedIn.sessionToken)).data.authenticatedItem).toMatchObject({
        id: created.data.createUser.id,
        hasAccount: true,
        emailVerified: true,
      });
    });

    it('the owner of a mailbox takes back an account someone else registered with it, and only the owner sees the profile', async () => {
      const apiToken = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
      await t.gql(
        `mutation { upsertIdentity(identity: { email: "victim@example.com", attributes: [{ name: "tier", value: "Gold" }] }) { id } }`,
        {},
        { basic: apiToken },
      );
      // someone registers the victim's address, signs in, and makes a customer token
      const squatter = await t.gql(
        `mutation { registerUser(data: { email: "victim@example.com", password: "the squatter's passphrase" }) { id identity { id } } }`,
      );
      expect(squatter.data.registerUser.identity).toBeNull();
      const squatterSession = (await signIn('victim@example.com', "the squatter's passphrase")).sessionToken;
      const squatterCtok = (await t.gql(`mutation { regenerateCustomerToken { token } }`, {}, squatterSession)).data
        .regenerateCustomerToken.token;
      for (const credential of [squatterSession, squatterCtok]) {
        expect((await me(credential)).data.authenticatedItem).toMatchObject({ emailVerified: false, identity: null });
      }

      // the owner of the mailbox asks for a reset: the link arrives in their mailbox
      const { token } = await resetLink('victim@example.com');
      expect(
        (await redeem('victim@example.com', token, 'the owner passphrase 1')).data.redeemUserPasswordResetToken,
      ).toBeNull();

      for (const credential of [squatterSession, squatterCtok])
        expect((await me(credential)).code).toBe('UNAUTHENTICATED');
      expect((await signIn('victim@example.com', "the squatter's passphrase")).__typename).toBe(
        'UserAuthenticationWithPasswordFailure',
      );
      const owner = await signIn('victim@example.com', 'the owner passphrase 1');
      expect((await me(owner.sessionToken)).data.authenticatedItem).toMatchObject({
        id: squatter.data.registerUser.id,
        emailVerified: true,
        identity: { email: 'victim@example.com', attributes: [{ name: 'tier', value: 'Gold' }] },
      });
      await deliver(); // the registration's verification mail
    });
  });

  it('a mail server that is down: the reset commits, the mail waits, and is delivered once the server is back', async () => {
    await account('patient@example.com');
    await smtp.stop();
    expect((await send('patient@example.com')).data.sendUserPasswordResetLink).toBe(true);
    await t.app.get(AuthService).idle();
    expect(await t.app.get(OutboxWorker).runOnce()).toMatchObject({ claimed: 1, sent: 0, retried: 1 });
    const [row] = await t.dataSource
      .getRepository(OutboxEntity)
      .find({ where: { status: 'pending' }, order: { createdAt: 'DESC' }, take: 1 });
    expect(row).toMatchObject({ attempts: 1, payload: expect.objectContaining({ to: 'patient@example.com' }) });
    expect(row.lastError).toMatch(/ECONNREFUSED/);

    await smtp.restart();
    const before = smtp.mails.length;
    expect(await t.app.get(OutboxWorker).runOnce(new Date(Date.now() + 60_000))).toMatchObject({ claimed: 1, sent: 1 });
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    const link = linkOf(mail.text!);
    expect(mail.to).toBe('patient@example.com');
    expect(
      (await redeem('patient@example.com', link.searchParams.get('token')!)).data.redeemUserPasswordResetToken,
    ).toBeNull();
    expect((await signIn('patient@example.com', NEW_PASSWORD)).__typename).toBe(
      'UserAuthenticationWithPasswordSuccess',
    );
  });

  it('CLI user:reset-link prints a one-time link (no mail) that replaces the earlier one; an unknown email is an error', async () => {
    await account('operator-help@example.com');
    const earlier = await resetLink('operator-help@example.com');
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    try {
      await COMMANDS['user:reset-link'].run(t.app, { email: 'Operator-Help@example.com' });
    } finally {
      spy.mockRestore();
    }
    expect(lines[0]).toMatch(
      /^A one-time password reset link for operator-help@example\.com, valid until \d{4}-\d\d-\d\dT/,
    );
    const link = new URL(lines[1]);
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_URL}/account/reset-password`);
    expect(link.searchParams.get('email')).toBe('operator-help@example.com');
    expect(lines[2]).toBe('It replaces any earlier reset link of this user. Hand it over to its owner only.');
    expect(await deliver()).toEqual([]); // nothing mailed
    expect(await validate('operator-help@example.com', earlier.token)).toEqual(FAILURE);
    const token = link.searchParams.get('token')!;
    expect((await redeem('operator-help@example.com', token)).data.redeemUserPasswordResetToken).toBeNull();

    await expect(COMMANDS['user:reset-link'].run(t.app, { email: 'nobody-at-all@example.com' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'No user has the email nobody-at-all@example.com',
    });
    await expect(COMMANDS['user:reset-link'].run(t.app, {})).rejects.toThrow('--email is required');
  });

  it('writes no token, link or password to the logs', async () => {
    await account('quiet@example.com');
    const { token, link } = await resetLink('quiet@example.com');
    await t.http().get(`/account/reset-password${link.search}`).expect(200);
    await redeem('quiet@example.com', token);
    const logs = t.logs.join('\n');
    for (const secret of [token, sha256(token), NEW_PASSWORD, link.search, 'quiet%40example.com']) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toMatch(/(token|email)=(?!\[REDACTED\])/);
    // the request line logs the path without its query (and any query the serializer sees is redacted)
    expect(logs).toContain('"url":"/account/reset-password"');
  });
});

describe('password reset links per client address', () => {
  it('are limited (RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS), whatever the emails', async () => {
    const t = await startTestApp({ env: { RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS: '3' } });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await t.gql(SEND, { email: `address-${i}@example.com` })).data.sendUserPasswordResetLink).toBe(true);
      }
      const over = await t.gql(SEND, { email: 'address-4@example.com' });
      expect(over.code).toBe('TOO_MANY_REQUESTS');
      expect(over.errors?.[0].message).toMatch(
        /^Too many password reset requests from this address\. Try again in \d+ seconds\.$/,
      );
    } finally {
      await t.close();
    }
  });
});
