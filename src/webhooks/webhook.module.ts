import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutboxModule } from '../outbox/outbox.module';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookStore } from './webhook-store';
import { WebhookResolver } from './webhook.resolver';
import { WebhookService } from './webhook.service';

/** Webhooks (SPEC §9): endpoints over GraphQL, events from the audit trail's sink, delivery by the outbox. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity]), OutboxModule],
  providers: [WebhookStore, WebhookService, WebhookResolver],
  exports: [WebhookService],
})
export class WebhookModule {}
