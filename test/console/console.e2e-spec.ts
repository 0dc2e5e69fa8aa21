import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { Permission, Scope } from '../../src/auth/permissions';
import { AUTH_FAILED, AuthService } from '../../src/auth/auth.service';
import { SessionEntity } from '../../src/auth/session.entity';
import { CONSOLE_NOT_BUILT, consoleDir, repositoryRoot } from '../../src/console/console.module';
import { CustomerGroupUserEntity } from '../../src/customer-group/customer-group.entity';
import { newId } from '../../src/database/columns';
import { OutboxWorker } from '../../src/outbox/outbox.worker';
import { SUPPRESSED } from '../../src/identity/privacy-store';
import { UserEntity } from '../../src/user/user.entity';
import { seedApiToken, seedRole, seedUser } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { linkOf, verifyEmail } from '../helpers/account-mail';
import { TestSmtp } from '../helpers/smtp';
import { startReceiver } from '../helpers/webhook-receiver';

/**
 * The admin console (SPEC §11) in a real browser: Debian's Chromium driven by playwright-core, against
 * the service serving web/dist. Without a browser or a console build the suite is skipped with a
 * message; under CI (CI set) that is a failure. `UPDATE_SCREENSHOTS=1` writes the screenshots to
 * docs/screenshots/ (the README shows them); otherwise they go to a temporary folder.
 */
// page.evaluate() callbacks run in the browser; the suite's tsconfig has no DOM library
declare const window: any, document: any, navigator: any, getComputedStyle: (element: unknown) => any;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = [
  !existsSync(CHROMIUM) && `no browser at ${CHROMIUM} (apt-get install chromium)`,
  !existsSync(join(consoleDir(), 'index.html')) && CONSOLE_NOT_BUILT,
].filter((reason): reason is string => !!reason);
const ci = !!process.env.CI;
if (missing.length > 0 && !ci)
  process.stderr.write(`\nThe console's browser test is skipped: ${missing.join('; ')}\n\n`);

const PUBLIC_URL = 'https://accounts.shop.example';
const ADMIN = { email: 'admin@console.test', password: 'a long admin passphrase 42' };
const JANE = { email: 'jane.doe@example.com', password: 'jane has a long passphrase' };
const READER = { email: 'reader@console.test', password: 'a reader passphrase 42' };
const TOKENS_ONLY = { email: 'integrations@console.test', password: 'integrations passphrase 42' };
const ERIN = { email: 'erin.erased@example.com', name: 'Erin Erased' };
const PARTNER = 'console-shop';
const BULK = 10_000;
const TOTAL = (BULK + 4).toLocaleString('en'); // the bulk customers, the admin, Jane, the integrations user, the reader

(missing.length > 0 && !ci ? describe.skip : describe)('the admin console in a browser (SPEC §11)', () => {
  let t: TestApp;
  let smtp: TestSmtp;
  let base: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let adminToken: string;
  let janeId: string;
  let shots: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  /** what the page complained about: uncaught errors, and anything the CSP refused */
  const problems: string[] = [];

  const shoot = (name: string, options: { fullPage?: boolean } = {}) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: options.fullPage ?? false });
  const status = () => page.getByRole('status').filter({ hasNotText: /^$/ });
  const pagerRange = () => page.locator('.pager-range').first();
  /** the list keeps the last page on screen (aria-busy) while the next one loads */
  const settled = () => page.locator('[aria-busy="true"]').waitFor({ state: 'detached' });

  async function signIn(email: string, password: string) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Presses Tab until the focus is on `name` (a control's text or label): what a keyboard user does. */
  async function tabTo(name: string, limit = 60) {
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        return (el?.labels?.[0]?.textContent ?? el?.textContent ?? '').trim();
      });
      if (focused === name) return;
    }
    throw new Error(`${limit} presses of Tab did not reach "${name}"`);
  }

  /** Form controls and buttons of the page that have no accessible name (label, aria-label, text). */
  const unlabelled = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter(
          (el: any) =>
            !(el.labels?.length > 0) &&
            !el.getAttribute('aria-label') &&
            !el.getAttribute('aria-labelledby') &&
            !(el.tagName === 'BUTTON' && el.textContent.trim()),
        )
        .map((el: any) => el.outerHTML),
    );

  /** The focused control's outline: the visible focus ring. */
  const focusRing = () =>
    page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });

  async function signOut() {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
  }

  beforeAll(async () => {
    if (missing.length > 0) throw new Error(`The console's browser test cannot run: ${missing.join('; ')}`);
    shots = process.env.UPDATE_SCREENSHOTS
      ? join(repositoryRoot(), 'docs', 'screenshots')
      : mkdtempSync(join(tmpdir(), 'console-screens-'));
    mkdirSync(shots, { recursive: true });

    smtp = await TestSmtp.start();
    receiver = await startReceiver();
    t = await startTestApp({
      env: {
        BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        MAIL_FROM: 'Shop <accounts@shop.example>',
        WEBHOOK_ALLOW_PRIVATE: 'true', // the receiver is http on 127.0.0.1
        PARTNER_NAME: PARTNER, // Jane's events arrive through the partner API
      },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;

    const signedIn = await t.gql(
      `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) {
         ... on UserAuthenticationWithPasswordSuccess { sessionToken } } }`,
      { e: ADMIN.email, p: ADMIN.password },
    );
    adminToken = signedIn.data.authenticateUserWithPassword.sessionToken;

    // 10,000 customers, written straight to the table (the console must page them, not load them)
    const users = t.dataSource.getRepository(UserEntity);
    const start = Date.UTC(2024, 0, 1);
    const bulkIds: string[] = [];
    for (let from = 0; from < BULK; from += 500) {
      await users.insert(
        Array.from({ length: 500 }, (_, k) => {
          const n = from + k;
          const at = new Date(start + n * 60_000);
          bulkIds.push(newId());
          return {
            id: bulkIds[n],
            email: `customer${String(n).padStart(5, '0')}@shop.example`,
            name: `Customer ${n}`,
            createdAt: at,
            updatedAt: at,
          };
        }),
      );
    }
    // and a few through the API, as an admin would create them
    const jane = await t.gql(
      `mutation($data: UserCreateInput!) { createUser(data: $data) { id } }`,
      {
        data: {
          email: JANE.email,
          name: 'Jane Doe',
          password: JANE.password,
          phone: '+358 40 123 4567',
          addresses: {
            create: [
              {
                firstName: 'Jane',
                lastName: 'Doe',
                address1: 'Mannerheimintie 1',
                city: 'Helsinki',
                postalCode: '00100',
                isBilling: true,
                country: { connect: { iso2: 'FI' } },
              },
            ],
          },
        },
      },
      adminToken,
    );
    expect(jane.errors).toBeUndefined();
    janeId = jane.data.createUser.id;
    const groupIds: Record<string, string> = {};
    for (const [name, metadata] of [
      ['VIP', { discount: 10 }],
      ['Newsletter', { list: 'weekly' }],
      ['Wholesale', null],
    ] as const) {
      const group = await t.gql(
        `mutation($data: CustomerGroupCreateInput!) { createCustomerGroup(data: $data) { id } }`,
        { data: { name, metadata } },
        adminToken,
      );
      expect(group.errors).toBeUndefined();
      groupIds[name] = group.data.createCustomerGroup.id;
    }
    // every bulk customer reads the newsletter: a group of 10,000 to page through
    for (let from = 0; from < BULK; from += 500) {
      await t.dataSource
        .getRepository(CustomerGroupUserEntity)
        .insert(bulkIds.slice(from, from + 500).map((userId) => ({ customerGroupId: groupIds.Newsletter, userId })));
    }
    const upsert = await t.gql(
      `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id } }`,
      {
        identity: {
          email: JANE.email,
          attributes: [
            { name: 'city', value: 'Helsinki' },
            { name: 'email_optin', value: 'true' },
          ],
        },
      },
      adminToken,
    );
    expect(upsert.errors).toBeUndefined();
    // An account is linked to its identity profile once its email is verified (SPEC §7): Jane verifies hers
    // (an admin-made account gets no mail, so she asks for one in a session she then ends).
    const janeSignIn = await t.gql(
      `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) {
        ... on UserAuthenticationWithPasswordSuccess { sessionToken } } }`,
      { e: JANE.email, p: JANE.password },
    );
    const janeSession = janeSignIn.data.authenticateUserWithPassword.sessionToken as string;
    await verifyEmail(t, JANE.email, janeSession);
    await t.gql(`mutation { endSession }`, {}, janeSession);
    // her shop sends two events through the partner API (Insider's /upsert), the newer first
    const integration = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
    const events = await t.rest('post', '/api/user/v1/upsert', {
      headers: { 'X-PARTNER-NAME': PARTNER, 'X-REQUEST-TOKEN': integration, 'Content-Type': 'application/json' },
      body: {
        users: [
          {
            identifiers: { email: JANE.email },
            events: [
              {
                event_name: 'purchase',
                timestamp: '2024-05-01T10:10:00Z',
                event_params: {
                  event_group_id: 'ORDER-42',
                  currency: 'EUR',
                  unit_sale_price: 19.9,
                  quantity: 2,
                  product_id: 'sku-1',
                },
              },
              {
                event_name: 'page_view',
                timestamp: '2024-05-01T10:00:00Z',
                event_params: { url: 'https://shop.example/shoes' },
              },
            ],
          },
        ],
      },
    });
    expect([events.status, events.body.data]).toEqual([200, { successful: { count: 1 }, fail: {} }]);
    await seedUser(t, {
      email: READER.email,
      name: 'Read-only support',
      password: READER.password,
      role: await seedRole(t, [Permission.CanReadUsers], 'Read-only support'),
    });
    await seedUser(t, {
      email: TOKENS_ONLY.email,
      name: 'Integrations',
      password: TOKENS_ONLY.password,
      role: await seedRole(t, [Permission.CanManageApiTokens], 'Integrations'),
    });

    profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1280, height: 900 },
      locale: 'en-GB',
      timezoneId: 'Europe/Helsinki',
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    context.setDefaultTimeout(10_000);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
        problems.push(`CSP: ${message.text()}`);
      }
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (shots && !process.env.UPDATE_SCREENSHOTS) rmSync(shots, { recursive: true, force: true });
    await t?.close();
    await smtp?.close();
    await receiver?.close();
  });

  it('refuses a customer at sign-in, says why, ends the session it was given and keeps what was typed', async () => {
    await page.goto(`${base}/admin`);
    await expect(page.getByRole('heading', { name: 'Sign in to the console' }).isVisible()).resolves.toBe(true);
    await shoot('sign-in');
    expect(await unlabelled()).toEqual([]);

    await signIn(JANE.email, JANE.password);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('This account has no admin permission');
    expect(await page.getByLabel('Email').inputValue()).toBe(JANE.email);
    expect(await page.evaluate(() => window.sessionStorage.length)).toBe(0);
    // the session the sign-in made for her was ended at once
    expect(await t.dataSource.getRepository(SessionEntity).countBy({ userId: janeId })).toBe(0);

    await page.getByLabel('Password').fill('not her password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByRole('alert'), AUTH_FAILED);
  });

  it('signs the admin in with the keyboard alone (token in sessionStorage, no cookie) and pages 10,000 customers 25 at a time', async () => {
    await page.reload(); // a fresh form, the focus at the top of the page
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    expect(await page.getByLabel('Email').inputValue()).toBe('');
    await tabTo('Email', 3);
    await page.keyboard.type(ADMIN.email);
    await tabTo('Password', 1);
    expect(await focusRing()).toBe('solid 3px');
    await page.keyboard.type(ADMIN.password);
    await tabTo('Sign in', 1);
    expect(await focusRing()).toBe('solid 3px');
    const firstPage = page.waitForResponse(
      (r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('ConsoleCustomers'),
    );
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    const answer = (await (await firstPage).json()) as { data: { users: unknown[]; usersCount: number } };
    expect(answer.data.users).toHaveLength(25);
    expect(answer.data.usersCount).toBe(BULK + 4);

    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => Object.keys(window.sessionStorage))).toEqual(['identity-hub.console.session']);
    const navigation = await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents();
    expect(navigation).toEqual([
      'Customers',
      'Customer groups',
      'API tokens',
      'Identity settings',
      'Roles',
      'Webhooks',
      'Audit trail',
    ]);

    await expectText(pagerRange(), `1–25 of ${TOTAL}`);
    await settled();
    expect(await page.locator('tbody tr').count()).toBe(25);
    await shoot('customers', { fullPage: true });

    await page.getByRole('button', { name: 'Next' }).click();
    await expectText(pagerRange(), `26–50 of ${TOTAL}`);
    expect(page.url()).toContain('page=2');
    const jump = page.getByRole('textbox', { name: /^Page/ });
    await jump.fill('401');
    await jump.press('Enter');
    await expectText(pagerRange(), `10,001–${TOTAL} of ${TOTAL}`);
    await settled();
    expect(await page.locator('tbody tr').count()).toBe(4);
  });

  it('finds a customer by email (any case) and opens their page', async () => {
    await page.getByRole('searchbox', { name: 'Search' }).fill('JANE.DOE@');
    await expectText(pagerRange(), '1–1 of 1');
    await page.getByRole('link', { name: JANE.email }).click();
    await page.getByRole('heading', { level: 1, name: 'Jane Doe' }).waitFor();
    expect(page.url()).toBe(`${base}/admin/customers/${janeId}`);
    const addresses = await page.getByRole('region', { name: /Addresses/ }).textContent();
    expect(addresses).toContain('Mannerheimintie 1');
    const identity = page.getByRole('region', { name: 'Identity profile' });
    expect(await identity.getByRole('table', { name: 'Identifiers' }).textContent()).toContain(JANE.email);
    expect(await identity.getByRole('table', { name: 'Attributes' }).textContent()).toContain('Helsinki');
    // her recent events, newest first, with their parameters as the API stores them
    const events = identity.getByRole('table', { name: 'Recent events, newest first' }).locator('tbody tr');
    expect(await events.locator('td[data-label="Event"]').allTextContents()).toEqual(['purchase', 'page_view']);
    expect(await events.locator('td[data-label="When"]').allTextContents()).toEqual([
      '1 May 2024, 13:10', // the browser's Europe/Helsinki
      '1 May 2024, 13:00',
    ]);
    expect(await events.first().locator('td[data-label="Parameters"]').textContent()).toBe(
      'event_group_id: ORDER-42, currency: EUR, unit_sale_price: 19.9, quantity: 2, product_id: sku-1',
    );
    expect(await events.last().locator('td[data-label="Parameters"]').textContent()).toBe(
      'url: https://shop.example/shoes',
    );
  });

  it('adds the customer to a group', async () => {
    await page.getByLabel('Add to group').selectOption({ label: 'VIP' });
    await page.getByRole('button', { name: 'Add to group' }).click();
    await expectText(status(), 'Added to the group VIP.');
    const groups = page.getByRole('list', { name: 'Groups of this customer' });
    // the status shows when the mutation answers; the list re-renders from the refetch right after
    await groups.getByRole('link', { name: 'VIP' }).waitFor();
    expect(await groups.getByRole('link').allTextContents()).toEqual(['VIP']);
    const api = await t.gql(`{ user(where: { email: "${JANE.email}" }) { customerGroups { name } } }`, {}, adminToken);
    expect(api.data.user.customerGroups).toEqual([{ name: 'VIP' }]);
  });

  it("shows the customer's sessions and signs them out of every one", async () => {
    // Jane signs in on her phone
    const signedIn = await t
      .http()
      .post('/graphql')
      .set({ 'content-type': 'application/json', 'user-agent': 'ShopApp/2.1 (iPhone; iOS 18.1)' })
      .send({
        query: `mutation($e: String!, $p: String!) { authenticateUserWithPassword(email: $e, password: $p) {
          ... on UserAuthenticationWithPasswordSuccess { sessionToken } } }`,
        variables: { e: JANE.email, p: JANE.password },
      });
    const janeSession = signedIn.body.data.authenticateUserWithPassword.sessionToken as string;
    expect((await t.gql('{ authenticatedItem { id } }', {}, janeSession)).data.authenticatedItem).toEqual({
      id: janeId,
    });
    await page.reload();
    const account = page.getByRole('region', { name: 'Account' });
    await expectText(account, 'Email verified');
    expect(await account.locator('dt:has-text("Email verified") + dd').textContent()).toBe('Yes');

    const sessions = page.getByRole('region', { name: /^Sessions/ });
    await expectText(sessions, 'Sessions (1)');
    expect(await sessions.getByRole('list', { name: 'Sessions of this user' }).textContent()).toContain(
      'ShopApp/2.1 (iPhone; iOS 18.1)',
    );
    await shoot('customer', { fullPage: true });
    await sessions.getByRole('button', { name: 'Sign out of every session' }).click();
    await expectText(sessions, 'End 1 session?');
    await sessions.getByRole('button', { name: 'Yes, sign out everywhere' }).click();
    await expectText(sessions.getByRole('status'), 'Signed out of 1 session.');
    await expectText(sessions, 'Not signed in anywhere.');
    expect((await t.gql('{ authenticatedItem { id } }', {}, janeSession)).code).toBe('UNAUTHENTICATED');
  });

  it('sends the customer a reset link, with the keyboard, and the mail arrives', async () => {
    await page.getByRole('button', { name: 'Sign out of every session' }).waitFor({ state: 'detached' });
    await page.getByRole('heading', { level: 1, name: 'Jane Doe' }).focus();
    await tabTo('Send reset link');
    expect(await focusRing()).toBe('solid 3px');
    await page.keyboard.press('Enter');
    const password = page.getByRole('region', { name: 'Password' });
    await expectText(password.getByRole('status'), `A reset link is on its way to ${JANE.email}.`);

    // the mail goes out through the outbox (the test app does not poll it) to the test SMTP server
    await t.app.get(AuthService).idle();
    const before = smtp.mails.length;
    const delivered = await t.app.get(OutboxWorker).runOnce();
    await smtp.waitFor(before + delivered.sent);
    const mails = smtp.mails.slice(before).filter((m) => m.to === JANE.email && m.subject === 'Reset your password');
    expect(mails).toHaveLength(1);
    const link = linkOf(mails[0].text!);
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_URL}/account/reset-password`);
    expect(link.searchParams.get('email')).toBe(JANE.email);
    const check = await t.gql(
      `query($e: String!, $k: String!) { validateUserPasswordResetToken(email: $e, token: $k) { code } }`,
      { e: JANE.email, k: link.searchParams.get('token') },
    );
    expect(check.errors).toBeUndefined();
    expect(check.data.validateUserPasswordResetToken).toBeNull(); // the link works
  });

  it("shows the API's error next to the field and keeps what was typed", async () => {
    const phone = page.getByLabel('Phone');
    await phone.fill('12ab');
    await page.getByRole('button', { name: 'Save account' }).click();
    const message = 'phone must be an E.164 number: "+" and 7 to 15 digits, e.g. +358401234567';
    const error = page.locator('.field-error', { hasText: message });
    await error.waitFor();
    expect(await phone.getAttribute('aria-invalid')).toBe('true');
    expect(await phone.getAttribute('aria-describedby')).toContain(await error.getAttribute('id'));
    expect(await phone.inputValue()).toBe('12ab');
    const api = await t.gql(`{ user(where: { email: "${JANE.email}" }) { phone } }`, {}, adminToken);
    expect(api.data.user.phone).toBe('+358401234567');

    await phone.fill('+358 50 765 4321');
    await page.getByRole('button', { name: 'Save account' }).click();
    await expectText(status(), 'The account was saved.');
    await waitForValue(phone, '+358507654321'); // the form shows what the service stored
  });

  it('keeps what was typed when the service cannot be reached, and saves it once it can', async () => {
    const name = page.getByLabel('Name', { exact: true });
    await page.route('**/graphql', (route) =>
      (route.request().postData() ?? '').includes('ConsoleUpdateCustomer') ? route.abort() : route.continue(),
    );
    await name.fill('Jane Q. Doe');
    await page.getByRole('button', { name: 'Save account' }).click();
    await expectText(page.getByRole('alert'), 'The service could not be reached. Check the connection and try again.');
    expect(await name.inputValue()).toBe('Jane Q. Doe');
    await page.unroute('**/graphql');

    await page.getByRole('button', { name: 'Save account' }).click();
    await expectText(status(), 'The account was saved.');
    await page.getByRole('heading', { level: 1, name: 'Jane Q. Doe' }).waitFor();
    const api = await t.gql(`{ user(where: { email: "${JANE.email}" }) { name } }`, {}, adminToken);
    expect(api.data.user.name).toBe('Jane Q. Doe');
  });

  it('shows a group with its members and checks its metadata JSON before sending it', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Customer groups' }).click();
    await page.getByRole('heading', { level: 1, name: 'Customer groups' }).waitFor();
    await page.getByRole('link', { name: 'VIP' }).click();
    await page.getByRole('heading', { level: 1, name: 'VIP' }).waitFor();
    expect(await page.getByRole('region', { name: /Members/ }).textContent()).toContain(JANE.email);

    const metadata = page.getByLabel('Metadata (JSON object)');
    await metadata.fill('{"discount": 15,');
    await expectText(page.locator('.field-error'), 'Not valid JSON');
    await page.getByRole('button', { name: 'Save group' }).click();
    await metadata.fill('["gold"]');
    await expectText(page.locator('.field-error'), 'Metadata must be a JSON object');
    await metadata.fill('{"discount": 15, "tier": "gold"}');
    await page.getByRole('button', { name: 'Save group' }).click();
    await expectText(status(), 'The group was saved.');
    const api = await t.gql(`{ customerGroup(where: { name: "VIP" }) { metadata } }`, {}, adminToken);
    expect(api.data.customerGroup.metadata).toEqual({ discount: 15, tier: 'gold' });
    await shoot('customer-group');
  });

  it('pages the members of a group of 10,000 on the service', async () => {
    await page.getByRole('link', { name: 'Customer groups' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Customer groups' }).waitFor();
    const newsletter = page.waitForResponse(
      (r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('ConsoleGroup('),
    );
    await page.getByRole('link', { name: 'Newsletter' }).click();
    const answer = (await (await newsletter).json()) as { data: { customerGroup: { users: unknown[] } } };
    expect(answer.data.customerGroup.users).toHaveLength(25); // one page asked for, not the 10,000
    const members = page.getByRole('region', { name: /Members/ });
    await expectText(members.getByRole('heading'), `Members (${BULK.toLocaleString('en')})`);
    await expectText(pagerRange(), `1–25 of ${BULK.toLocaleString('en')}`);
    expect(await members.locator('tbody').getByRole('link').first().textContent()).toBe('customer00000@shop.example');
    await members.getByRole('button', { name: 'Last page' }).click();
    await expectText(pagerRange(), `9,976–10,000 of ${BULK.toLocaleString('en')}`);
    await settled();
    const last = await members.locator('tbody').getByRole('link').allTextContents();
    expect(last).toHaveLength(25);
    expect([last[0], last.at(-1)]).toEqual(['customer09975@shop.example', 'customer09999@shop.example']);
  });

  it('filters the customers by group', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('Customer group').selectOption({ label: 'VIP' });
    await expectText(pagerRange(), '1–1 of 1');
    await settled();
    expect(await page.locator('tbody').getByRole('link').allTextContents()).toEqual([JANE.email]);
    await page.getByLabel('Customer group').selectOption({ label: 'Wholesale' });
    await expectText(page.locator('tbody'), 'No one matches these filters.');
    // a group of 10,000, paged by the service like the whole list
    await page.getByLabel('Customer group').selectOption({ label: 'Newsletter' });
    await expectText(pagerRange(), `1–25 of ${BULK.toLocaleString('en')}`);
    await page.getByLabel('Order').selectOption({ label: 'Email A–Z' });
    await page.getByRole('button', { name: 'Last page' }).click();
    await expectText(pagerRange(), `9,976–10,000 of ${BULK.toLocaleString('en')}`);
    await settled();
    const last = await page.locator('tbody').getByRole('link').allTextContents();
    expect(last).toHaveLength(25);
    expect(last.at(-1)).toBe('customer09999@shop.example');
    await page.getByRole('searchbox', { name: 'Search' }).fill('customer0999');
    await expectText(pagerRange(), '1–10 of 10');
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await expectText(pagerRange(), `1–25 of ${BULK.toLocaleString('en')}`);
    await page.getByLabel('Order').selectOption({ label: 'Newest first' });
    await page.getByLabel('Customer group').selectOption({ label: 'Any group' });
    await expectText(pagerRange(), `1–25 of ${TOTAL}`);
  });

  it('shows whether each email is verified, and filters by it', async () => {
    await page.getByLabel('Verification').selectOption({ label: 'Verified' });
    await expectText(pagerRange(), '1–1 of 1');
    await settled();
    expect(page.url()).toContain('verified=yes');
    const row = page.locator('tbody tr');
    expect(await row.getByRole('link').allTextContents()).toEqual([JANE.email]);
    expect(await row.locator('td[data-label="Email verified"]').allTextContents()).toEqual(['Verified']);

    await page.getByLabel('Verification').selectOption({ label: 'Not verified' });
    await expectText(pagerRange(), `1–25 of ${(BULK + 3).toLocaleString('en')}`);
    await settled();
    expect(new Set(await row.locator('td[data-label="Email verified"]').allTextContents())).toEqual(
      new Set(['Not verified']),
    );
    // with a group chosen too
    await page.getByLabel('Customer group').selectOption({ label: 'VIP' });
    await expectText(page.locator('tbody'), 'No one matches these filters.');
    await page.getByLabel('Verification').selectOption({ label: 'Any' });
    await expectText(pagerRange(), '1–1 of 1');
    await page.getByLabel('Customer group').selectOption({ label: 'Any group' });
    await expectText(pagerRange(), `1–25 of ${TOTAL}`);
  });

  it('creates an API token, shows it once with a copy button, and revokes it', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor();
    await page.getByLabel('Name').fill('CRM sync');
    await page.getByRole('checkbox', { name: /^identities:write/ }).check();
    await page.getByRole('button', { name: 'Create token' }).click();

    const shown = page.getByRole('region', { name: 'Token “CRM sync” created' });
    await shown.waitFor();
    const token = await shown.getByLabel('The new token').inputValue();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect((await t.gql('{ identities(take: 1) { id } }', {}, { basic: token })).errors).toBeUndefined();
    await shown.getByRole('button', { name: 'Copy token' }).click();
    await expectText(shown.getByRole('status'), 'Copied to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await shoot('api-tokens');

    await shown.getByRole('button', { name: 'Done, I have copied it' }).click();
    expect(await page.content()).not.toContain(token);
    await page.reload();
    await page.getByRole('cell', { name: 'CRM sync' }).waitFor();
    expect(await page.content()).not.toContain(token);

    const row = page.getByRole('row', { name: /CRM sync/ });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, revoke CRM sync' }).click();
    await expectText(status(), 'The token CRM sync was revoked.');
    await expectText(row, 'Revoked');
    expect((await t.gql('{ identities(take: 1) { id } }', {}, { basic: token })).code).toBe('UNAUTHENTICATED');
  });

  it("shows the identity settings, with the API's error next to the list it is about", async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Identity settings' }).click();
    const custom = page.getByLabel('Custom identifiers');
    await custom.fill('Loyalty ID');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const error = page.locator('.field-error', { hasText: 'customIdentifiers: "Loyalty ID" must match' });
    await error.waitFor();
    expect(await custom.getAttribute('aria-describedby')).toContain(await error.getAttribute('id'));
    expect(await custom.inputValue()).toBe('Loyalty ID');
    await custom.fill('loyalty_id');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expectText(status(), 'The identity settings were saved.');
    const api = await t.gql('{ identitySettings { customIdentifiers } }', {}, adminToken);
    expect(api.data.identitySettings.customIdentifiers).toEqual(['loyalty_id']);
    await shoot('identity-settings');
  });

  it('creates a role', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Roles' }).click();
    const form = page.getByRole('region', { name: 'New role' });
    await form.getByLabel('Name').fill('Support');
    await form.getByRole('checkbox', { name: /^canManageUsers/ }).check();
    await form.getByRole('button', { name: 'Create role' }).click();
    await expectText(status(), 'The role Support was created.');
    await page.getByRole('region', { name: 'Role Support' }).waitFor();
    const api = await t.gql('{ roles { name canReadUsers canManageUsers canManageRoles } }', {}, adminToken);
    expect(api.data.roles).toContainEqual({
      name: 'Support',
      canReadUsers: true,
      canManageUsers: true,
      canManageRoles: false,
    });
  });

  it('creates a webhook endpoint, shows its secret once, sends a test event and logs the delivery', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    const form = page.getByRole('region', { name: 'New endpoint' });
    // the event types are the service's list (webhookEventTypes), not one kept in the console
    const types = (await t.gql('{ webhookEventTypes }', {}, adminToken)).data.webhookEventTypes as string[];
    expect(types).toContain('identity.erased');
    await form.getByRole('checkbox', { name: 'identity.erased' }).waitFor();
    expect(await form.getByRole('group', { name: 'Event types' }).locator('label').allTextContents()).toEqual(types);
    // no event type chosen: the service's error shows next to the list
    await form.getByLabel('URL').fill(receiver.url);
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    await form.locator('.field-error').waitFor();
    expect(await form.locator('.field-error').textContent()).toMatch(/^events/);

    await form.getByLabel('Description').fill('CRM sync');
    await form.getByRole('checkbox', { name: 'customer_group.member_added' }).check();
    await form.getByRole('button', { name: 'Create endpoint' }).click();
    const shown = page.getByRole('region', { name: `Endpoint ${receiver.url} created` });
    await shown.waitFor();
    const secret = await shown.getByLabel('The signing secret').inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await expectText(shown, 'it is not shown again');
    const listed = await t.gql('{ webhookEndpoints { url events description enabled } }', {}, adminToken);
    expect(listed.data.webhookEndpoints).toEqual([
      { url: receiver.url, events: ['customer_group.member_added'], description: 'CRM sync', enabled: true },
    ]);
    await shown.getByRole('button', { name: 'Done, I have copied it' }).click();
    expect(await page.content()).not.toContain(secret);

    const endpoint = page.getByRole('listitem', { name: receiver.url });
    await expectText(endpoint, 'Enabled');
    await endpoint.getByRole('button', { name: 'Send test event' }).click();
    await expectText(status(), `A webhook.test event is queued for ${receiver.url}.`);
    const log = page.getByRole('region', { name: 'Delivery log' });
    await expectText(log.locator('tbody'), 'pending');

    // the outbox worker (not polling in the test app) sends it to the receiver
    const before = receiver.received.length;
    expect(await t.app.get(OutboxWorker).runOnce()).toMatchObject({ sent: 1 });
    expect(receiver.received.length).toBe(before + 1);
    expect(JSON.parse(receiver.received[before].body).type).toBe('webhook.test');
    await log.getByRole('button', { name: 'Refresh' }).click();
    const row = log.locator('tbody tr', { hasText: 'webhook.test' });
    await expectText(row.locator('td[data-label="Status"]'), 'sent');
    expect(await row.locator('td[data-label="Attempts"]').textContent()).toBe('1');
    expect(await row.locator('td[data-label="Event"]').textContent()).toContain(
      receiver.received[before].headers['webhook-id'] as string,
    );
    await shoot('webhooks', { fullPage: true });

    // a manual retry makes it due again
    await row.getByRole('button', { name: 'Retry' }).click();
    await expectText(status(), 'The webhook.test delivery is due again.');
    await expectText(row.locator('td[data-label="Status"]'), 'pending');

    await endpoint.getByRole('button', { name: 'Disable' }).click();
    await expectText(status(), `${receiver.url} is disabled.`);
    await expectText(endpoint, 'Disabled');
    const after = await t.gql('{ webhookEndpoints { enabled } }', {}, adminToken);
    expect(after.data.webhookEndpoints).toEqual([{ enabled: false }]);
  });

  it('finds the group add of earlier in the audit trail by its action, and in the customer’s history', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit trail' }).waitFor();
    await page.getByLabel('Action').fill('customer_group.member_added');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expectText(page.locator('.pager-range'), 'Entries 1–1');
    await settled();
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.locator('td[data-label="Action"]').textContent()).toBe('customer_group.member_added');
    expect(page.url()).toContain('action=customer_group.member_added');
    await shoot('audit', { fullPage: true });

    // the filters narrow it: an actor that did nothing finds no entry
    await page.getByLabel('Actor id').fill(janeId);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expectText(page.locator('tbody'), 'No entry matches these filters.');

    await page.goto(`${base}/admin/customers/${janeId}`);
    const history = page.getByRole('region', { name: 'History' });
    await expectText(history, 'customer_group.member_added');
    // the phone change of earlier, masked as the API returns it
    const phone = history.locator('tbody tr', { hasText: 'user.updated' }).filter({ hasText: 'phone' }).first();
    await phone.waitFor();
    expect(await phone.textContent()).not.toContain('+358507654321');
  });

  it('is keyboard-usable (skip link, visible focus), every control labelled, and readable at 390 px', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Customers' }).click();
    await expectText(pagerRange(), `of ${TOTAL}`);
    await page.reload(); // the focus starts at the top of the page, as for someone arriving
    await expectText(pagerRange(), `of ${TOTAL}`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(ring).toBe('solid 3px');

    expect(await unlabelled()).toEqual([]);

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectText(page.locator('tbody tr td[data-label="Email"]').first(), '@');
    await shoot('customers-390');

    await page.getByRole('searchbox', { name: 'Search' }).fill(JANE.email);
    await expectText(pagerRange(), '1–1 of 1');
    await page.getByRole('link', { name: JANE.email }).click();
    await page.getByRole('heading', { level: 1, name: 'Jane Q. Doe' }).waitFor();
    await expectText(page.getByRole('region', { name: /^Sessions/ }), 'Not signed in anywhere.');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await unlabelled()).toEqual([]);
    await shoot('customer-390', { fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('erases a customer after asking, keeps the choice when the request fails, shows the receipt; the customer is gone', async () => {
    const created = await t.gql(
      `mutation($data: UserCreateInput!) { createUser(data: $data) { id } }`,
      { data: { email: ERIN.email, name: ERIN.name, phone: '+358 40 765 0000' } },
      adminToken,
    );
    expect(created.errors).toBeUndefined();
    const profile = await t.gql(
      `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id } }`,
      { identity: { email: ERIN.email, attributes: [{ name: 'tier', value: 'gold' }] } },
      adminToken,
    );
    expect(profile.errors).toBeUndefined();

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('erin.erased');
    await expectText(pagerRange(), '1–1 of 1');
    await page.getByRole('link', { name: ERIN.email }).click();
    await page.getByRole('heading', { level: 1, name: ERIN.name }).waitFor();
    const erase = page.getByRole('region', { name: 'Erase' });
    const suppress = erase.getByRole('checkbox', { name: /^Suppress later writes/ });
    await suppress.check();
    await erase.getByRole('button', { name: 'Erase this person' }).click();
    await expectText(erase, `Erase ${ERIN.email} and suppress their identifiers?`);
    expect(await unlabelled()).toEqual([]);

    // the request is cut off: said in words, the choice kept, nothing erased
    await page.route('**/graphql', (route) =>
      (route.request().postData() ?? '').includes('ConsoleEraseIdentity') ? route.abort() : route.continue(),
    );
    await erase.getByRole('button', { name: 'Yes, erase for good' }).click();
    await expectText(erase.getByRole('alert'), 'The service could not be reached. Check the connection and try again.');
    expect(await suppress.isChecked()).toBe(true);
    const still = await t.gql(`{ user(where: { email: "${ERIN.email}" }) { id } }`, {}, adminToken);
    expect(still.data.user).toEqual({ id: created.data.createUser.id });
    await page.unroute('**/graphql');

    await erase.getByRole('button', { name: 'Erase this person' }).click();
    await erase.getByRole('button', { name: 'Yes, erase for good' }).click();
    const receipt = page.getByRole('region', { name: 'Erasure receipt' });
    await receipt.waitFor();
    await expectText(status(), `${ERIN.email} was erased.`);
    const counts: Record<string, number> = {};
    for (const row of await receipt.getByRole('table', { name: 'Rows removed, by kind' }).locator('tbody tr').all()) {
      counts[(await row.locator('th').textContent())!] = Number(await row.locator('td').textContent());
    }
    expect(counts).toMatchObject({ accounts: 1, profiles: 1, identifiers: 1, attributes: 1, suppressed: 2 });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-labelledby'))).toBe('receipt-title');
    await page.evaluate(() => window.scrollTo(0, 0)); // the focused receipt scrolled the page a little
    await shoot('customer-erased');

    // gone from the API, and from the console's search
    const gone = await t.gql(
      `{ user(where: { email: "${ERIN.email}" }) { id } identity(email: "${ERIN.email}") { id } }`,
      {},
      adminToken,
    );
    expect(gone.data).toEqual({ user: null, identity: null });
    const again = await t.gql(
      `mutation($identity: IdentityInput!) { upsertIdentity(identity: $identity) { id } }`,
      { identity: { email: ERIN.email } },
      adminToken,
    );
    expect([again.code, again.errors?.[0].message]).toEqual(['BAD_USER_INPUT', SUPPRESSED]);
    await receipt.getByRole('link', { name: 'Back to the customers' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('erin.erased');
    await expectText(page.locator('tbody'), 'No one matches these filters.');
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await expectText(pagerRange(), `1–25 of ${TOTAL}`);
  });

  it('shows a role only the screens its permissions open', async () => {
    const token = await page.evaluate(() => window.sessionStorage.getItem('identity-hub.console.session'));
    await signOut();
    // signing out ended the session on the service, not only in the tab
    expect((await t.gql('{ authenticatedItem { id } }', {}, token!)).code).toBe('UNAUTHENTICATED');

    await signIn(TOKENS_ONLY.email, TOKENS_ONLY.password);
    await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor();
    const navigation = await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents();
    expect(navigation).toEqual(['API tokens']);
    await page.goto(`${base}/admin/customers`);
    await page.getByRole('heading', { level: 1, name: 'Not available to your role' }).waitFor();
    await signOut();

    // canReadUsers alone: the customer's page, without any action
    await signIn(READER.email, READER.password);
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    // no canManageWebhooks or canReadAudit: neither screen in the navigation nor by its address
    expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents()).toEqual([
      'Customers',
      'Customer groups',
    ]);
    for (const screen of ['webhooks', 'audit']) {
      await page.goto(`${base}/admin/${screen}`);
      await page.getByRole('heading', { level: 1, name: 'Not available to your role' }).waitFor();
    }
    await page.goto(`${base}/admin/customers/${janeId}`);
    await page.getByRole('heading', { level: 1, name: 'Jane Q. Doe' }).waitFor();
    const email = page.getByRole('region', { name: 'Account' }).getByLabel('Email');
    await waitForValue(email, JANE.email);
    expect(await email.getAttribute('readonly')).not.toBeNull(); // shown, not editable
    const sections = await page.getByRole('heading', { level: 2 }).allTextContents();
    expect(sections).toEqual(['Account', 'Addresses (1)', 'Role', 'Customer groups']);
    expect(await page.getByRole('button').allTextContents()).toEqual(['Sign out']);
    await signOut();
  });

  it('ran without a page error or anything the CSP refused', () => {
    expect(problems).toEqual([]);
  });
});

async function expectText(locator: Locator, text: string) {
  await locator.filter({ hasText: text }).first().waitFor();
}

async function waitForValue(input: Locator, value: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  let seen = await input.inputValue();
  while (seen !== value && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await input.inputValue();
  }
  expect(seen).toBe(value);
}
