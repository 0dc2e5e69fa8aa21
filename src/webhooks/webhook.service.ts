import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import { change, diff, REDACTED } from '../audit/audit-fields';
import { AuditEntry, AuditService, ChangeSink } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { LocalCache } from '../common/local-cache';
import { RedisService } from '../common/redis.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { newId } from '../database/columns';
import { TransactionService } from '../database/transaction.service';
import { PermanentDeliveryError } from '../outbox/delivery';
import { OutboxDelivery } from '../outbox/outbox-handler';
import { OutboxRowView } from '../outbox/outbox-store';
import { OutboxService } from '../outbox/outbox.service';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { isWebhookEventType, payloadOf, WEBHOOK_EVENT_TYPES, WebhookPayload } from './webhook-events';
import { postWebhook } from './webhook-sender';
import { newSecret, signatures, signingSecrets } from './webhook-signature';
import { WebhookStore } from './webhook-store';
import { urlProblem } from './url-guard';

/** What an outbox row of kind `webhook` holds: one event for one endpoint. */
export interface WebhookJob {
  endpointId: string;
  /** the `webhook-id`: the same for every attempt, and for every endpoint the event goes to */
  eventId: string;
  event: WebhookPayload;
}

/** SPEC §9: retries after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h (the outbox adds ±20 % jitter). */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000];
export const MAX_ENDPOINTS = 100;
export const TEST_EVENT_TYPE = 'webhook.test';
const ENDPOINTS_CACHE_MS = 60_000;
const ENDPOINT_FIELDS = ['url', 'events', 'description', 'enabled'];

export interface EndpointInput {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

/**
 * Webhooks (SPEC §9): endpoints, the change sink that queues one outbox row per event and subscribed
 * endpoint in the change's transaction, and the outbox handler that signs and posts them (Standard
 * Webhooks). The enabled endpoints are cached; a change clears the cache on every instance (Redis).
 */
@Injectable()
export class WebhookService implements ChangeSink, OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Webhooks');
  private readonly cache: LocalCache<Pick<WebhookEndpointEntity, 'id' | 'events'>[]>;

  constructor(
    private readonly store: WebhookStore,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly tx: TransactionService,
    redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.cache = new LocalCache(redis, 'webhook-endpoints', {
      ttlMs: ENDPOINTS_CACHE_MS,
      apply: () => this.cache.clear(),
    });
  }

  /** The endpoints are read at start, so that the first write does not pay for it. */
  async onApplicationBootstrap(): Promise<void> {
    await this.enabledEndpoints();
  }

  onModuleInit() {
    this.audit.addSink(this);
    this.outbox.register<WebhookJob>({
      kind: 'webhook',
      retryDelaysMs: WEBHOOK_RETRY_DELAYS_MS,
      deliver: (delivery) => this.deliver(delivery),
      label: (job) => `${job.event.type} ${job.eventId} to endpoint ${job.endpointId}`,
    });
    return this.cache.listen();
  }

  // ---- the change sink ----------------------------------------------------------------------------

  async wants(actions: readonly string[]): Promise<boolean> {
    const endpoints = await this.enabledEndpoints();
    return endpoints.some((e) => actions.some((a) => e.events.includes(a)));
  }

  async changed(manager: EntityManager, entries: readonly AuditEntry[]): Promise<void> {
    const events = entries.filter((e) => isWebhookEventType(e.action));
    if (!events.length) return;
    const endpoints = await this.enabledEndpoints(manager);
    if (!endpoints.length) return;
    const now = new Date();
    const items: { payload: WebhookJob; subjectKey: string | null; targetId: string }[] = [];
    for (const entry of events) {
      const subscribed = endpoints.filter((e) => e.events.includes(entry.action));
      if (!subscribed.length) continue;
      const event = payloadOf(entry, now);
      const eventId = `msg_${newId().replace(/-/g, '')}`;
      const subjectKey = entry.userId
        ? `user:${entry.userId}`
        : entry.resource.type === 'user'
          ? `user:${entry.resource.id}`
          : entry.profileId || entry.resource.type === 'identity'
            ? `identity:${entry.profileId ?? entry.resource.id}`
            : null;
      for (const endpoint of subscribed) {
        items.push({ payload: { endpointId: endpoint.id, eventId, event }, subjectKey, targetId: endpoint.id });
      }
    }
    await this.outbox.enqueueMany(manager, 'webhook', items);
  }

  private async enabledEndpoints(manager?: EntityManager) {
    const cached = this.cache.get('enabled');
    if (cached) return cached;
    const epoch = this.cache.epoch;
    const rows = await this.store.enabled(manager);
    this.cache.set('enabled', rows, { epoch });
    return rows;
  }

  // ---- delivery -------------------------------------------------------------------------------------

  async deliver(delivery: OutboxDelivery<WebhookJob>): Promise<void> {
    const job = delivery.payload;
    const endpoint = await this.store.find(job.endpointId);
    if (!endpoint) throw new PermanentDeliveryError('the endpoint was deleted', 'warn');
    if (!endpoint.enabled) throw new PermanentDeliveryError('the endpoint is disabled', 'warn');
    const { allowPrivate, timeoutMs } = this.config.webhooks;
    const problem = urlProblem(endpoint.url, allowPrivate);
    if (problem) throw new PermanentDeliveryError(problem, 'warn');
    const body = JSON.stringify(job.event);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': job.eventId,
      'webhook-timestamp': String(timestamp),
      // after a rotation, the previous secret signs too until its overlap ends (two signatures)
      'webhook-signature': signatures(signingSecrets(endpoint, new Date()), job.eventId, timestamp, body),
      'user-agent': 'IdentityHub-Webhooks/1',
    };
    const { status } = await postWebhook(endpoint.url, headers, body, { allowPrivate, timeoutMs });
    if (status >= 200 && status < 300) return;
    if (status === 410) {
      await this.store.disable(endpoint.id, 'The endpoint answered 410 Gone');
      await this.cache.invalidate('changed');
      this.logger.warn(`Webhook endpoint ${endpoint.id} answered 410 Gone: it is disabled`);
      throw new PermanentDeliveryError('HTTP 410 Gone: the endpoint is disabled', 'warn');
    }
    throw new Error(`HTTP ${status}`);
  }

  // ---- endpoints (canManageWebhooks) ------------------------------------------------------------------

  list(): Promise<WebhookEndpointEntity[]> {
    return this.store.list();
  }

  /** The event types an endpoint may subscribe to (SPEC §9), in their fixed order. */
  eventTypes(): string[] {
    return [...WEBHOOK_EVENT_TYPES];
  }

  /**
   * A new endpoint and its secret (answered this once). At most MAX_ENDPOINTS: the count and the insert
   * are one transaction that holds the table's write lock (PostgreSQL; SQLite has one writer), so
   * concurrent creates cannot pass the cap together.
   */
  async create(actor: Actor, input: Required<Pick<EndpointInput, 'url' | 'events'>> & EndpointInput) {
    this.check(input);
    const now = new Date();
    const secret = newSecret();
    const endpoint: WebhookEndpointEntity = {
      id: newId(),
      url: input.url,
      events: [...new Set(input.events)],
      description: input.description ?? null,
      secret,
      previousSecret: null,
      previousSecretExpiresAt: null,
      enabled: input.enabled ?? true,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.tx.run(async (manager) => {
      if ((await this.store.countForInsert(manager)) >= MAX_ENDPOINTS)
        throw AppError.badInput(`At most ${MAX_ENDPOINTS} webhook endpoints; delete one first`);
      await this.store.insert(manager, endpoint);
      await this.record(manager, actor, 'webhook_endpoint.created', endpoint.id, [
        ...diff(null, { ...endpoint }, ENDPOINT_FIELDS),
        change('secret', null, REDACTED),
      ]);
    });
    await this.cache.invalidate('changed');
    return { secret, endpoint: (await this.store.find(endpoint.id))! };
  }

  async update(actor: Actor, id: string, input: EndpointInput): Promise<WebhookEndpointEntity> {
    this.check(input);
    const before = await this.existing(id);
    const patch: Partial<WebhookEndpointEntity> = {};
    if (input.url !== undefined) patch.url = input.url;
    if (input.events !== undefined) patch.events = [...new Set(input.events)];
    if (input.description !== undefined) patch.description = input.description;
    if (input.enabled !== undefined) {
      patch.enabled = input.enabled;
      patch.disabledReason = null;
    }
    await this.tx.run(async (manager) => {
      if (Object.keys(patch).length) await this.store.update(manager, id, patch);
      const changes = diff({ ...before }, { ...before, ...patch }, ENDPOINT_FIELDS);
      if (changes.length) await this.record(manager, actor, 'webhook_endpoint.updated', id, changes);
    });
    await this.cache.invalidate('changed');
    return (await this.store.find(id))!;
  }

  async delete(actor: Actor, id: string): Promise<WebhookEndpointEntity> {
    const endpoint = await this.existing(id);
    await this.tx.run(async (manager) => {
      await this.store.delete(manager, id);
      await this.record(manager, actor, 'webhook_endpoint.deleted', id, diff({ ...endpoint }, null, ENDPOINT_FIELDS));
    });
    await this.cache.invalidate('changed');
    return endpoint;
  }

  /**
   * A new secret, answered this once. The replaced one keeps signing beside it (a second signature in
   * `webhook-signature`) for WEBHOOK_SECRET_OVERLAP_HOURS, so the receiver can switch meanwhile; then only
   * the new one signs. A rotation within an overlap drops the oldest secret at once.
   */
  async rotateSecret(actor: Actor, id: string) {
    await this.existing(id);
    const secret = newSecret();
    const overlapMs = this.config.webhooks.secretOverlapHours * 3_600_000;
    const now = new Date();
    await this.tx.run(async (manager) => {
      const overlapUntil = overlapMs > 0 ? new Date(now.getTime() + overlapMs) : null;
      if (!(await this.store.rotateSecret(manager, id, secret, overlapUntil, now)))
        throw AppError.notFound('Webhook endpoint not found');
      await this.record(manager, actor, 'webhook_endpoint.secret_rotated', id, [change('secret', REDACTED, REDACTED)]);
    });
    return { secret, endpoint: (await this.store.find(id))! };
  }

  // ---- deliveries ----------------------------------------------------------------------------------

  deliveries(filter: { endpointId?: string | null; status?: string | null }, take: number, skip: number) {
    return this.outbox.list('webhook', { targetId: filter.endpointId, status: filter.status }, take, skip);
  }

  async retry(id: string): Promise<OutboxRowView> {
    const [row] = await this.outbox.list('webhook', { id }, 1, 0);
    if (!row) throw AppError.notFound('Webhook delivery not found');
    if (!(await this.outbox.requeue('webhook', id)))
      throw AppError.badInput('Only a sent or failed delivery can be retried; this one is still pending');
    const [after] = await this.outbox.list('webhook', { id }, 1, 0);
    return after;
  }

  /** Queues a `webhook.test` event for one endpoint (delivered, signed, logged like any other). */
  async sendTest(id: string): Promise<OutboxRowView> {
    const endpoint = await this.existing(id);
    if (!endpoint.enabled) throw AppError.badInput('The endpoint is disabled: enable it first');
    const job: WebhookJob = {
      endpointId: id,
      eventId: `msg_${newId().replace(/-/g, '')}`,
      event: { type: TEST_EVENT_TYPE, timestamp: new Date().toISOString(), data: { id, changed: [] } },
    };
    const [rowId] = await this.tx.run((manager) =>
      this.outbox.enqueueMany(manager, 'webhook', [{ payload: job, targetId: id }]),
    );
    const [row] = await this.outbox.list('webhook', { id: rowId }, 1, 0);
    return row;
  }

  // ---- helpers ---------------------------------------------------------------------------------------

  private check(input: EndpointInput): void {
    if (input.url !== undefined) {
      const problem = urlProblem(input.url, this.config.webhooks.allowPrivate);
      if (problem) throw AppError.badInput(problem, { field: 'url' });
    }
    if (input.events !== undefined) {
      if (!input.events.length)
        throw AppError.badInput('events must name at least one event type', { field: 'events' });
      const unknown = input.events.filter((e) => !isWebhookEventType(e));
      if (unknown.length)
        throw AppError.badInput(
          `Unknown event type ${JSON.stringify(unknown[0])}: the webhookEventTypes query lists them`,
          {
            field: 'events',
          },
        );
    }
  }

  private async existing(id: string): Promise<WebhookEndpointEntity> {
    const endpoint = /^[0-9a-f-]{36}$/i.test(id) ? await this.store.find(id) : null;
    if (!endpoint) throw AppError.notFound('Webhook endpoint not found');
    return endpoint;
  }

  private record(manager: EntityManager, actor: Actor, action: string, id: string, changes: AuditEntry['changes']) {
    return this.audit.record(manager, { action, actor, resource: { type: 'webhook_endpoint', id }, changes });
  }
}
