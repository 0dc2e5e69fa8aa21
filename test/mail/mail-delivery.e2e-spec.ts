import { randomBytes } from 'node:crypto';
import { TransactionService } from '../../src/database/transaction.service';
import { MAIL_RETRY_DELAYS_MS } from '../../src/mail/mail-sender';
import { emailChangedMail, passwordResetMail } from '../../src/mail/mail-templates';
import { MailService } from '../../src/mail/mail.service';
import { OutboxEntity, OutboxKind } from '../../src/outbox/outbox.entity';
import { OutboxStore } from '../../src/outbox/outbox-store';
import { OutboxService } from '../../src/outbox/outbox.service';
import { OutboxWorker } from '../../src/outbox/outbox.worker';
import { TestSmtp } from '../helpers/smtp';
import { secondInstanceUrl, startTestApp, TestApp } from '../helpers/test-app';

const HOUR = 3_600_000;
const later = (ms: number) => new Date(Date.now() + ms);

/** An app whose worker does not poll: each test drives it with runOnce. */
function startApp(env: Record<string, string> = {}, databaseUrl?: string): Promise<TestApp> {
  return startTestApp({
    captureLogs: true,
    databaseUrl,
    env: { PUBLIC_URL: 'https://id.example.com/', ...env },
  });
}

/** The database URL of a running test app, for a second instance on the same data. */
function databaseUrlOf(t: TestApp): string {
  return secondInstanceUrl(t.config);
}

const worker = (t: TestApp) => t.app.get(OutboxWorker);
const rowOf = (t: TestApp, id: string) => t.dataSource.getRepository(OutboxEntity).findOneByOrFail({ id });

/** Queues a password reset mail in its own transaction, as a feature would; returns the row id and link. */
async function queueReset(t: TestApp, to: string, options: { rollback?: boolean } = {}) {
  const mail = t.app.get(MailService);
  const token = randomBytes(32).toString('base64url');
  const link = mail.link('/account/reset-password', { email: to, token });
  let id = '';
  const work = t.app.get(TransactionService).run(async (manager) => {
    id = await mail.enqueue(manager, to, passwordResetMail({ link, expiresInMinutes: 60 }), {
      subjectKey: `user:${to}`,
    });
    if (options.rollback) throw new Error('the change failed');
  });
  if (options.rollback) await expect(work).rejects.toThrow('the change failed');
  else await work;
  return { id, token, link };
}

/** No log line holds the link or its token. */
function expectNoLinkInLogs(t: TestApp, token: string) {
  expect(t.logs.length).toBeGreaterThan(0);
  for (const line of t.logs) {
    expect(line).not.toContain(token);
    expect(line).not.toContain('reset-password?');
  }
}

describe('mail delivery through the outbox', () => {
  let smtp: TestSmtp;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await TestSmtp.start();
    t = await startApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Shop Accounts <accounts@shop.example>' });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });
  beforeEach(async () => {
    await smtp.restart();
    smtp.mails.length = 0;
  });

  it('delivers a mail whose transaction committed, with both parts, From, To, Subject and a stable Message-ID', async () => {
    const { id, link } = await queueReset(t, 'jane@example.com');
    expect((await rowOf(t, id)).status).toBe('pending');

    expect(await worker(t).runOnce()).toEqual({ claimed: 1, sent: 1, retried: 0, failed: 0, lost: 0 });
    const [mail] = await smtp.waitFor(1);
    expect(mail.envelope).toEqual({ from: 'accounts@shop.example', to: ['jane@example.com'] });
    expect(mail.from).toBe('Shop Accounts <accounts@shop.example>');
    expect(mail.to).toBe('jane@example.com');
    expect(mail.subject).toBe('Reset your password');
    expect(mail.messageId).toBe(`<${id}@shop.example>`);
    expect(mail.headers['auto-submitted']).toBe('auto-generated');
    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(link).toMatch(
      /^https:\/\/id\.example\.com\/account\/reset-password\?email=jane%40example\.com&token=[\w-]{43}$/,
    );
    expect(mail.text).toContain(`open this link within 60 minutes:\n\n${link}\n`);
    expect(mail.html).toContain(`<a href="${link.replace(/&/g, '&amp;')}"`);
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);

    const row = await rowOf(t, id);
    expect(row).toMatchObject({
      status: 'sent',
      attempts: 1,
      lastError: null,
      lockedUntil: null,
      subjectKey: 'user:jane@example.com',
    });
    expect(row.sentAt).toBeInstanceOf(Date);
    // The body (and its link) is not kept once the mail is sent.
    expect(row.payload).toEqual({
      template: 'password-reset',
      from: 'Shop Accounts <accounts@shop.example>',
      to: 'jane@example.com',
      subject: 'Reset your password',
    });
    expect(await worker(t).runOnce()).toMatchObject({ claimed: 0 });
  });

  it('never sends a mail whose transaction rolled back', async () => {
    const { id } = await queueReset(t, 'rolled@example.com', { rollback: true });
    expect(await t.dataSource.getRepository(OutboxEntity).findOneBy({ id })).toBeNull();
    expect(await worker(t).runOnce(later(HOUR))).toMatchObject({ claimed: 0 });
    expect(smtp.mails).toEqual([]);
  });

  it('keeps a mail pending while the SMTP server is down, and delivers it once the server is back', async () => {
    await smtp.stop();
    const { id, token } = await queueReset(t, 'down@example.com');
    const before = Date.now();
    expect(await worker(t).runOnce()).toMatchObject({ claimed: 1, retried: 1 });

    let row = await rowOf(t, id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lockedUntil: null });
    expect(row.lastError).toMatch(/ECONNREFUSED/);
    expect(row.lastError).not.toContain(token);
    // The first retry comes after 10 s ± 20 %.
    const wait = row.nextAttemptAt.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(7_900);
    expect(wait).toBeLessThanOrEqual(12_500);
    // Not due yet: nothing happens.
    expect(await worker(t).runOnce()).toMatchObject({ claimed: 0 });

    // Still down at the second attempt.
    expect(await worker(t).runOnce(later(15_000))).toMatchObject({ claimed: 1, retried: 1 });
    expect(await rowOf(t, id)).toMatchObject({ status: 'pending', attempts: 2 });

    await smtp.restart();
    expect(await worker(t).runOnce(later(HOUR))).toMatchObject({ claimed: 1, sent: 1 });
    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toBe('down@example.com');
    expect(mail.text).toContain(token);
    row = await rowOf(t, id);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    expect(t.logs.some((l) => l.includes(`Outbox mail ${id} (password-reset): attempt 1 of 8 failed`))).toBe(true);
    expectNoLinkInLogs(t, token);
  });

  it('marks a mail failed after the last retry, and logs it without its link', async () => {
    await smtp.stop();
    const { id, token } = await queueReset(t, 'never@example.com');
    expect(MAIL_RETRY_DELAYS_MS).toHaveLength(7);
    let at = Date.now();
    for (let attempt = 1; attempt <= 8; attempt++) {
      const result = await worker(t).runOnce(new Date(at));
      expect(result).toMatchObject(attempt < 8 ? { claimed: 1, retried: 1 } : { claimed: 1, failed: 1 });
      at += 5 * HOUR;
    }
    const row = await rowOf(t, id);
    expect(row).toMatchObject({ status: 'failed', attempts: 8, lockedUntil: null });
    expect(row.lastError).toMatch(/ECONNREFUSED/);
    expect(row.payload).not.toHaveProperty('text');
    expect(row.payload).not.toHaveProperty('html');
    // Final: never claimed again.
    expect(await worker(t).runOnce(new Date(at + 100 * HOUR))).toMatchObject({ claimed: 0 });

    const failure = t.logs.filter((l) => l.includes(`Outbox mail ${id} (password-reset) failed after 8 of 8 attempts`));
    expect(failure).toHaveLength(1);
    expect(JSON.parse(failure[0])).toMatchObject({ level: 50, context: 'Outbox' });
    expectNoLinkInLogs(t, token);
  });

  it('fails a mail at once when the server refuses the recipient for good (5xx)', async () => {
    await smtp.close();
    smtp = await TestSmtp.start({ rejectRecipients: ['gone@example.com'] });
    await t.close();
    t = await startApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Shop Accounts <accounts@shop.example>' });

    const { id, token } = await queueReset(t, 'gone@example.com');
    expect(await worker(t).runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    const row = await rowOf(t, id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row.lastError).toMatch(/550/);
    expect(t.logs.some((l) => l.includes(`Outbox mail ${id} (password-reset) failed after 1 of 8 attempts`))).toBe(
      true,
    );
    expectNoLinkInLogs(t, token);
  });

  it('delivers a claimed mail again when its worker died and the lease ran out', async () => {
    const { id } = await queueReset(t, 'crash@example.com');
    // A worker claims the row and dies before delivering or recording anything.
    const store = t.app.get(OutboxStore);
    const now = new Date();
    const [claimed] = await store.claim(['mail'], now, 10, new Date(now.getTime() + 300_000));
    expect(claimed).toMatchObject({ id, attempts: 1 });
    expect(await rowOf(t, id)).toMatchObject({ status: 'sending' });

    // While the lease runs, nobody else takes it.
    expect(await worker(t).runOnce(later(60_000))).toMatchObject({ claimed: 0 });
    // Once it has run out, the row is claimed and delivered again.
    expect(await worker(t).runOnce(later(301_000))).toMatchObject({ claimed: 1, sent: 1 });
    const [mail] = await smtp.waitFor(1);
    expect(mail.to).toBe('crash@example.com');
    expect(await rowOf(t, id)).toMatchObject({ status: 'sent', attempts: 2 });

    // The dead worker's late result changes nothing: its claim (attempt 1) is no longer the row's.
    expect(await store.finish(claimed, { status: 'pending', at: now, nextAttemptAt: now, error: 'late' })).toBe(false);
    expect(await rowOf(t, id)).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('fails a row whose worker died during its last attempt, without trying a ninth time', async () => {
    await smtp.stop();
    const { id } = await queueReset(t, 'last@example.com');
    let at = Date.now();
    for (let attempt = 1; attempt <= 7; attempt++) {
      await worker(t).runOnce(new Date(at));
      at += 5 * HOUR;
    }
    await smtp.restart();
    // The eighth attempt is claimed by a worker that dies.
    const [claimed] = await t.app.get(OutboxStore).claim(['mail'], new Date(at), 10, new Date(at + 300_000));
    expect(claimed).toMatchObject({ id, attempts: 8 });
    expect(await worker(t).runOnce(new Date(at + 301_000))).toMatchObject({ claimed: 1, failed: 1 });
    const row = await rowOf(t, id);
    expect(row).toMatchObject({ status: 'failed', attempts: 9 });
    expect(row.lastError).toBe('the worker making the last attempt stopped before recording its result');
    expect(smtp.mails).toEqual([]);
  });

  it('delivers several mails of one pass concurrently, each once', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await queueReset(t, `batch${i}@example.com`)).id);
    const [a, b] = await Promise.all([worker(t).runOnce(), worker(t).runOnce()]);
    expect(a.sent + b.sent).toBe(5);
    await smtp.waitFor(5);
    expect(smtp.mails.map((m) => m.to).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `batch${i}@example.com`));
    for (const id of ids) expect(await rowOf(t, id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('deletes the rows of a subject on request (erasure), and no others', async () => {
    await smtp.stop();
    const mine = await queueReset(t, 'erase-me@example.com');
    const other = await queueReset(t, 'keep-me@example.com');
    const outbox = t.app.get(OutboxService);
    const deleted = await t.app
      .get(TransactionService)
      .run((manager) => outbox.forgetSubject(manager, 'user:erase-me@example.com'));
    expect(deleted).toBe(1);
    expect(await t.dataSource.getRepository(OutboxEntity).findOneBy({ id: mine.id })).toBeNull();
    expect(await rowOf(t, other.id)).toMatchObject({ status: 'pending' });
    await smtp.restart();
    await worker(t).runOnce();
    expect(smtp.mails.map((m) => m.to)).toEqual(['keep-me@example.com']);
  });

  it('refuses, as programming errors, a kind without a handler and a recipient that is not one plain address', async () => {
    const outbox = t.app.get(OutboxService);
    const mail = t.app.get(MailService);
    const tx = t.app.get(TransactionService);
    const before = await t.dataSource.getRepository(OutboxEntity).count();
    // (every kind has a handler now that webhooks register theirs: an unknown kind stands in)
    await expect(tx.run((m) => outbox.enqueue(m, 'sms' as OutboxKind, { type: 'user.created' }))).rejects.toThrow(
      'No outbox handler is registered for "sms"',
    );
    for (const to of [
      'a@example.com, b@example.com',
      'a@example.com\r\nBcc: b@example.com',
      'Jane <a@example.com>',
      'nobody',
    ]) {
      await expect(tx.run((m) => mail.enqueue(m, to, emailChangedMail({ newEmail: 'n@example.com' })))).rejects.toThrow(
        'A mail goes to exactly one plain email address',
      );
    }
    expect(await t.dataSource.getRepository(OutboxEntity).count()).toBe(before);
  });
});

describe('mail delivery with SMTP credentials', () => {
  it('sends with the user and password of SMTP_URL, and never writes them to the row or a log line', async () => {
    const smtp = await TestSmtp.start({ auth: { user: 'mailer', pass: 'p@ss w0rd:secret' } });
    const wrong = await startApp({ SMTP_URL: smtp.urlWith('mailer', 'wrong-pass-1234') });
    const right = await startApp({ SMTP_URL: smtp.url }, databaseUrlOf(wrong));
    try {
      const { id } = await queueReset(wrong, 'auth@example.com');
      expect(await worker(wrong).runOnce()).toMatchObject({ claimed: 1, retried: 1 });
      const row = await rowOf(wrong, id);
      expect(row.lastError).toMatch(/^EAUTH: Invalid login: 535/);
      for (const text of [row.lastError!, ...wrong.logs]) {
        expect(text).not.toContain('wrong-pass-1234');
        expect(text).not.toContain(smtp.urlWith('mailer', 'wrong-pass-1234'));
      }
      expect(smtp.mails).toEqual([]);

      expect(await worker(right).runOnce(later(HOUR))).toMatchObject({ claimed: 1, sent: 1 });
      expect((await smtp.waitFor(1))[0].to).toBe('auth@example.com');
      for (const line of right.logs) expect(line).not.toContain('w0rd');
    } finally {
      await right.close();
      await wrong.close();
      await smtp.close();
    }
  });
});

describe('mail without SMTP_URL', () => {
  it('is not sent: the row is failed with the reason, and a warning without the link is logged once', async () => {
    const t = await startApp();
    try {
      expect(t.logs.some((l) => l.includes('SMTP_URL is not set: mails are not sent'))).toBe(true);
      const { id, token } = await queueReset(t, 'nosmtp@example.com');
      expect(await worker(t).runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      const row = await rowOf(t, id);
      expect(row).toMatchObject({ status: 'failed', attempts: 1, lastError: 'SMTP_URL is not set' });
      expect(row.payload).toEqual({
        template: 'password-reset',
        from: 'Identity Hub <no-reply@localhost>',
        to: 'nosmtp@example.com',
        subject: 'Reset your password',
      });
      const warnings = t.logs.filter((l) => l.includes(id));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0])).toMatchObject({
        level: 40,
        context: 'Outbox',
        msg: `Outbox mail ${id} (password-reset) not delivered: SMTP_URL is not set`,
      });
      expectNoLinkInLogs(t, token);
      // Not retried later.
      expect(await worker(t).runOnce(later(24 * HOUR))).toMatchObject({ claimed: 0 });
    } finally {
      await t.close();
    }
  });
});
