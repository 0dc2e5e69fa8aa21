import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { describeError, PermanentDeliveryError } from '../outbox/delivery';
import { OutboxDelivery, OutboxHandler } from '../outbox/outbox-handler';
import { OutboxService } from '../outbox/outbox.service';
import { MailPayload } from './mail.service';

/**
 * After a failed attempt, the next one comes after 10 s, 1 min, 5 min, 15 min, 1 h, 2 h, then 4 h
 * (±20 %): 8 attempts over about 7.5 hours, then the mail is `failed`.
 */
export const MAIL_RETRY_DELAYS_MS: readonly number[] = [10, 60, 300, 900, 3600, 7200, 14_400].map((s) => s * 1000);

export const SMTP_NOT_SET = 'SMTP_URL is not set';

/** The secrets an SMTP URL carries (user and password, raw and decoded), to keep them out of messages. */
export function smtpSecrets(smtpUrl: string | undefined): string[] {
  if (!smtpUrl) return [];
  try {
    const url = new URL(smtpUrl);
    const values = [url.username, url.password].filter(Boolean);
    return [...new Set([...values, ...values.map((v) => decodeURIComponent(v))])];
  } catch {
    return [];
  }
}

/**
 * The outbox handler of `mail`: sends with nodemailer over SMTP_URL, a new connection per mail, with
 * short timeouts. A recipient or message the server refuses for good (5xx) fails at once; anything else
 * (server down, timeout, 4xx) is retried. Without SMTP_URL a mail is not sent: the row is `failed` with
 * "SMTP_URL is not set" and a warning is logged, never the link.
 */
@Injectable()
export class MailSender implements OutboxHandler<MailPayload>, OnModuleInit, OnApplicationShutdown {
  readonly kind = 'mail' as const;
  readonly retryDelaysMs = MAIL_RETRY_DELAYS_MS;
  private readonly logger = new Logger('Mail');
  private readonly transporter: Transporter | null;
  private readonly secrets: string[];

  constructor(
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const smtpUrl = config.mail.smtpUrl;
    this.secrets = smtpSecrets(smtpUrl);
    this.transporter = smtpUrl
      ? createTransport({
          url: smtpUrl,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
          logger: false,
          debug: false,
        })
      : null;
  }

  onModuleInit(): void {
    this.outbox.register(this);
    if (!this.transporter)
      this.logger.warn(`${SMTP_NOT_SET}: mails are not sent (each one is logged and marked failed)`);
  }

  onApplicationShutdown(): void {
    this.transporter?.close();
  }

  async deliver({ id, payload }: OutboxDelivery<MailPayload>): Promise<void> {
    if (!this.transporter) throw new PermanentDeliveryError(SMTP_NOT_SET, 'warn');
    const domain = payload.from.replace(/>$/, '').split('@').pop() || 'localhost';
    try {
      await this.transporter.sendMail({
        from: payload.from,
        to: payload.to,
        subject: payload.subject,
        text: payload.text,
        html: payload.html,
        // The same Message-ID on every attempt: a mail sent twice (a crash between sending and recording)
        // can be recognised as one by the receiving side.
        messageId: `<${id}@${domain}>`,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (error) {
      const { code, responseCode } = error as { code?: string; responseCode?: number };
      if ((code === 'EENVELOPE' || code === 'EMESSAGE') && typeof responseCode === 'number' && responseCode >= 500) {
        throw new PermanentDeliveryError(this.describeError(error));
      }
      throw error;
    }
  }

  label(payload: MailPayload): string {
    return payload.template;
  }

  describeError(error: unknown): string {
    return describeError(error, this.secrets);
  }

  /** A finished mail keeps who, what and which template, not its body (which holds the link). */
  finalPayload(payload: MailPayload): Omit<MailPayload, 'text' | 'html'> {
    return { template: payload.template, from: payload.from, to: payload.to, subject: payload.subject };
  }
}
