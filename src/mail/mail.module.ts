import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module';
import { MailSender } from './mail-sender';
import { MailService } from './mail.service';

/** Mail: MailService composes and queues (in the caller's transaction); MailSender delivers over SMTP. */
@Module({
  imports: [OutboxModule],
  providers: [MailService, MailSender],
  exports: [MailService],
})
export class MailModule {}
