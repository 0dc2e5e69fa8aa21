import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { OutboxService } from '../outbox/outbox.service';
import { MailContent } from './mail-templates';

/** A composed mail as it waits in the outbox. */
export interface MailPayload {
  template: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

const MAILBOX = /^[^\s@<>",;:()[\]\\]+@[^\s@<>",;:()[\]\\]+$/;

/**
 * Whether a mail can go to this address: one plain address, nothing that would add recipients or
 * headers. Some addresses an account may hold are not (a quoted local part: `"john doe"@example.com`);
 * callers skip their mail instead of failing the change.
 */
export function isMailbox(address: string): boolean {
  return MAILBOX.test(address) && address.length <= 254;
}

/**
 * Composes mails and queues them in the outbox, in the caller's transaction: a request never waits for
 * SMTP. The MailSender delivers them.
 *
 *   const link = mail.link('/account/verify-email', { token });
 *   await mail.enqueue(manager, user.email, emailVerificationMail({ link, expiresInHours: 48 }), { subjectKey: `user:${user.id}` });
 */
@Injectable()
export class MailService {
  constructor(
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `<PUBLIC_URL><path>?<params>`, the parameters URL-encoded. */
  link(path: string, params: Record<string, string> = {}): string {
    if (!path.startsWith('/')) throw new Error('A link path starts with "/"');
    const query = new URLSearchParams(params).toString();
    return `${this.config.publicUrl}${path}${query ? `?${query}` : ''}`;
  }

  /** Queues `content` for one recipient, from MAIL_FROM; returns the outbox row id. */
  enqueue(
    manager: EntityManager,
    to: string,
    content: MailContent,
    options: { subjectKey?: string } = {},
  ): Promise<string> {
    // One plain address: nothing that would add recipients or headers.
    if (!isMailbox(to)) throw new Error('A mail goes to exactly one plain email address');
    if (/[\r\n]/.test(content.subject)) throw new Error('A mail subject is one line');
    const payload: MailPayload = {
      template: content.template,
      from: this.config.mail.from,
      to,
      subject: content.subject,
      text: content.text,
      html: content.html,
    };
    return this.outbox.enqueue(manager, 'mail', payload, options);
  }
}
