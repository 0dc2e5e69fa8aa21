import { TransactionService } from '../../src/database/transaction.service';
import { emailVerificationMail } from '../../src/mail/mail-templates';
import { MailService } from '../../src/mail/mail.service';
import { OutboxEntity } from '../../src/outbox/outbox.entity';
import { OutboxRunResult, OutboxWorker } from '../../src/outbox/outbox.worker';
import { TestSmtp } from '../helpers/smtp';
import { isPostgres, secondInstanceUrl, startTestApp, TestApp } from '../helpers/test-app';

/** The database URL of a running test app, for a second instance on the same data. */
function databaseUrlOf(t: TestApp): string {
  return secondInstanceUrl(t.config);
}

function start(env: Record<string, string>, databaseUrl?: string): Promise<TestApp> {
  return startTestApp({ captureLogs: true, databaseUrl, env });
}

/** Queues `count` verification mails, each in its own transaction; returns the row ids. */
async function queue(t: TestApp, count: number, prefix = 'user'): Promise<string[]> {
  const mail = t.app.get(MailService);
  const tx = t.app.get(TransactionService);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const link = mail.link('/account/verify-email', { token: `token-${prefix}-${i}` });
    ids.push(
      await tx.run((m) =>
        mail.enqueue(m, `${prefix}${i}@example.com`, emailVerificationMail({ link, expiresInHours: 48 })),
      ),
    );
  }
  return ids;
}

const rows = (t: TestApp) => t.dataSource.getRepository(OutboxEntity).find({ order: { createdAt: 'ASC' } });

async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the outbox worker in the background', () => {
  let smtp: TestSmtp;
  beforeEach(async () => {
    smtp = await TestSmtp.start();
  });
  afterEach(() => smtp.close());

  it('delivers queued mails by itself, every OUTBOX_POLL_MS', async () => {
    const t = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '30' });
    try {
      await queue(t, 3);
      await smtp.waitFor(3);
      await until(async () => (await rows(t)).every((r) => r.status === 'sent'));
      expect(smtp.mails.map((m) => m.to).sort()).toEqual([
        'user0@example.com',
        'user1@example.com',
        'user2@example.com',
      ]);
    } finally {
      await t.close();
    }
  });

  it('starts at once, and drains a backlog in full batches without waiting for the next poll', async () => {
    const producer = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '0' });
    try {
      await queue(producer, 5);
      const t = await start(
        { SMTP_URL: smtp.url, OUTBOX_POLL_MS: '60000', OUTBOX_BATCH_SIZE: '2' },
        databaseUrlOf(producer),
      );
      try {
        // Batches of 2, 2 and 1, one after the other, long before the next poll a minute later.
        await smtp.waitFor(5, 5_000);
        await until(async () => (await rows(producer)).every((r) => r.status === 'sent'));
      } finally {
        await t.close();
      }
    } finally {
      await producer.close();
    }
  });

  it('does nothing more once closed', async () => {
    const producer = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '0' });
    try {
      const t = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '50' }, databaseUrlOf(producer));
      await t.close();
      const logged = t.logs.length;
      const [id] = await queue(producer, 1);
      await new Promise((r) => setTimeout(r, 300));
      expect(smtp.mails).toEqual([]);
      expect(t.logs.slice(logged)).toEqual([]);
      expect(await producer.dataSource.getRepository(OutboxEntity).findOneByOrFail({ id })).toMatchObject({
        status: 'pending',
        attempts: 0,
      });
    } finally {
      await producer.close();
    }
  });

  it('on close, waits for the delivery in flight and records it', async () => {
    const inspector = await start({ OUTBOX_POLL_MS: '0', SMTP_URL: smtp.url });
    const t = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '20' }, databaseUrlOf(inspector));
    try {
      smtp.hold();
      const [id] = await queue(inspector, 1);
      await until(() => smtp.dataStarted === 1);
      let closed = false;
      const closing = t.close().then(() => (closed = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(closed).toBe(false);
      smtp.release();
      await closing;
      expect(await inspector.dataSource.getRepository(OutboxEntity).findOneByOrFail({ id })).toMatchObject({
        status: 'sent',
        attempts: 1,
      });
    } finally {
      await inspector.close();
    }
  });

  it('does not hang on close when SMTP never answers: the row is claimed again after its lease (a possible duplicate)', async () => {
    const inspector = await start({ OUTBOX_POLL_MS: '0', SMTP_URL: smtp.url });
    const t = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '20' }, databaseUrlOf(inspector));
    try {
      t.app.get(OutboxWorker).shutdownGraceMs = 200;
      smtp.hold();
      const [id] = await queue(inspector, 1);
      await until(() => smtp.dataStarted === 1);
      const started = Date.now();
      await t.close();
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(t.logs.some((l) => l.includes('Shut down with deliveries in flight'))).toBe(true);
      expect(await inspector.dataSource.getRepository(OutboxEntity).findOneByOrFail({ id })).toMatchObject({
        status: 'sending',
        attempts: 1,
      });

      // The server takes the first copy after all, and the row comes back once the lease has run out.
      smtp.release();
      await smtp.waitFor(1);
      const worker = inspector.app.get(OutboxWorker);
      expect(await worker.runOnce()).toMatchObject({ claimed: 0 });
      expect(await worker.runOnce(new Date(Date.now() + 301_000))).toMatchObject({ claimed: 1, sent: 1 });
      await smtp.waitFor(2);
      // Sent twice (at least once, never lost), with one Message-ID a receiver can deduplicate on.
      expect(smtp.mails.map((m) => m.messageId)).toEqual([`<${id}@localhost>`, `<${id}@localhost>`]);
      expect(await inspector.dataSource.getRepository(OutboxEntity).findOneByOrFail({ id })).toMatchObject({
        status: 'sent',
        attempts: 2,
      });
    } finally {
      await inspector.close();
    }
  });
});

describe('several instances on one PostgreSQL database', () => {
  const onPostgres = isPostgres() ? it : it.skip;
  let smtp: TestSmtp;
  let a: TestApp;
  let b: TestApp;
  beforeEach(async () => {
    smtp = await TestSmtp.start();
  });
  afterEach(async () => {
    await b?.close();
    await a?.close();
    await smtp.close();
  });

  onPostgres('share the queue: two workers claiming at the same time deliver each mail exactly once', async () => {
    a = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '0', OUTBOX_BATCH_SIZE: '5' });
    b = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '0', OUTBOX_BATCH_SIZE: '5' }, databaseUrlOf(a));
    const ids = await queue(a, 40);
    const totals = { a: 0, b: 0 };
    for (let round = 0; totals.a + totals.b < 40 && round < 20; round++) {
      const results: OutboxRunResult[] = await Promise.all([
        a.app.get(OutboxWorker).runOnce(),
        b.app.get(OutboxWorker).runOnce(),
      ]);
      totals.a += results[0].sent;
      totals.b += results[1].sent;
      expect(results.map((r) => r.claimed)).toEqual(results.map((r) => r.sent));
    }
    expect(totals.a + totals.b).toBe(40);
    expect(totals.a).toBeGreaterThan(0);
    expect(totals.b).toBeGreaterThan(0);
    await smtp.waitFor(40);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.mails).toHaveLength(40);
    expect(new Set(smtp.mails.map((m) => m.messageId)).size).toBe(40);
    for (const row of await rows(a)) expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    expect(new Set((await rows(a)).map((r) => r.id))).toEqual(new Set(ids));
  });

  onPostgres('share the queue with their background workers, each mail exactly once', async () => {
    a = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '10', OUTBOX_BATCH_SIZE: '3' });
    b = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '10', OUTBOX_BATCH_SIZE: '3' }, databaseUrlOf(a));
    await queue(b, 30);
    await smtp.waitFor(30);
    await until(async () => (await rows(a)).every((r) => r.status === 'sent'));
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.mails).toHaveLength(30);
    expect(new Set(smtp.mails.map((m) => m.to)).size).toBe(30);
    for (const row of await rows(a)) expect(row.attempts).toBe(1);
  });

  onPostgres('skip rows another transaction holds instead of waiting for them (SKIP LOCKED)', async () => {
    a = await start({ SMTP_URL: smtp.url, OUTBOX_POLL_MS: '0' });
    const [locked, ...others] = await queue(a, 4);
    const runner = a.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SELECT id FROM outbox WHERE id = $1 FOR UPDATE', [locked]);
      const started = Date.now();
      expect(await a.app.get(OutboxWorker).runOnce()).toMatchObject({ claimed: 3, sent: 3 });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await a.app.get(OutboxWorker).runOnce()).toMatchObject({ claimed: 1, sent: 1 });
    await smtp.waitFor(4);
    expect(smtp.mails.map((m) => m.to).sort()).toEqual([
      'user0@example.com',
      'user1@example.com',
      'user2@example.com',
      'user3@example.com',
    ]);
    expect(others).toHaveLength(3);
  });
});
