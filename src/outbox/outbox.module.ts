import { Module } from '@nestjs/common';
import { OutboxMetrics } from './outbox-metrics';
import { OutboxStore } from './outbox-store';
import { OutboxService } from './outbox.service';
import { OutboxWorker } from './outbox.worker';

/** The transactional outbox (mail now, webhooks next): OutboxService to enqueue and register, the worker, its backlog metrics. */
@Module({
  providers: [OutboxStore, OutboxService, OutboxWorker, OutboxMetrics],
  exports: [OutboxService, OutboxWorker],
})
export class OutboxModule {}
