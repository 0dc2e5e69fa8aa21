import { OutboxEntity } from '../../src/outbox/outbox.entity';
import { MailPayload } from '../../src/mail/mail.service';
import { TestApp } from './test-app';

/**
 * The account mails a test app queued (read from the outbox, before delivery: no SMTP server needed),
 * and the one-time links in them.
 */
export async function queuedMails(t: TestApp, to?: string, template?: string): Promise<MailPayload[]> {
  const rows = await t.dataSource
    .getRepository(OutboxEntity)
    .find({ where: { kind: 'mail' }, order: { createdAt: 'ASC' } });
  return rows
    .map((row) => row.payload as MailPayload)
    .filter((mail) => (to === undefined || mail.to === to) && (template === undefined || mail.template === template));
}

/** The first http(s) link of a mail's text part. */
export function linkOf(text: string): URL {
  const match = /https?:\/\/\S+/.exec(text);
  if (!match) throw new Error(`no link in: ${text}`);
  return new URL(match[0]);
}

/** The token of the newest queued mail of `template` to `to` (it must still hold its body: not yet sent). */
export async function tokenMailedTo(t: TestApp, to: string, template: 'email-verification' | 'password-reset') {
  const mails = await queuedMails(t, to, template);
  const mail = mails.at(-1);
  if (!mail?.text) throw new Error(`no queued ${template} mail to ${to}`);
  return linkOf(mail.text).searchParams.get('token')!;
}

const VERIFY = `mutation($token: String!) { verifyUserEmail(token: $token) { id email emailVerified } }`;

/**
 * Verifies `email` with the link of the newest verification mail queued for it (registration, an email
 * change); with `session`, first asks for a new one (accounts made by an admin or by a factory have none).
 */
export async function verifyEmail(t: TestApp, email: string, session?: string): Promise<void> {
  if (session) {
    const sent = await t.gql(`mutation { sendActiveUserEmailVerification }`, {}, session);
    if (sent.errors) throw new Error(`sendActiveUserEmailVerification: ${sent.errors[0].message}`);
  }
  const res = await t.gql(VERIFY, { token: await tokenMailedTo(t, email, 'email-verification') });
  if (res.errors || !res.data.verifyUserEmail?.emailVerified) {
    throw new Error(`verifyUserEmail(${email}): ${JSON.stringify(res.body)}`);
  }
}
