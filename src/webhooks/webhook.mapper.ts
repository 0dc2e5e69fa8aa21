import { OutboxRowView } from '../outbox/outbox-store';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookJob } from './webhook.service';
import { WebhookDelivery, WebhookEndpoint } from './webhook.model';

/** Never the secret. */
export function toWebhookEndpoint(e: WebhookEndpointEntity): WebhookEndpoint {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

export function toWebhookDelivery(row: OutboxRowView): WebhookDelivery {
  const job = row.payload as Partial<WebhookJob> | null;
  return {
    id: row.id,
    endpointId: row.targetId ?? job?.endpointId ?? '',
    eventId: job?.eventId ?? '',
    eventType: job?.event?.type ?? '',
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
    lastAttemptAt: row.lastAttemptAt,
    sentAt: row.sentAt,
    createdAt: row.createdAt,
  };
}
