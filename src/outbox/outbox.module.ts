import { Module } from '@nestjs/common';
import { OutboxStore } from './outbox-store';
import { OutboxService } from './outbox.service';
import { OutboxWorker } from './outbox.worker';

/** The transactional outbox (mail now, webhooks next): OutboxService to enqueue and register, the worker. */
@Module({
  providers: [OutboxStore, OutboxService, OutboxWorker],
  exports: [OutboxService, OutboxWorker],
})
export class OutboxModule {}
