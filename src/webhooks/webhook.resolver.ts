import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow } from '../auth/decorators';
import { Permission } from '../auth/permissions';
import { toWebhookDelivery, toWebhookEndpoint } from './webhook.mapper';
import {
  CreatedWebhookEndpoint,
  WebhookDeliveriesArgs,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreateInput,
  WebhookEndpointUpdateInput,
} from './webhook.model';
import { WebhookService } from './webhook.service';

/** SPEC §9 webhooks, all with canManageWebhooks. */
@Resolver(() => WebhookEndpoint)
@Allow(Permission.CanManageWebhooks)
export class WebhookResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @Mutation(() => CreatedWebhookEndpoint, { description: 'The whsec_ secret is in this answer only' })
  async createWebhookEndpoint(
    @Actor() actor: ActorType,
    @Args('data') data: WebhookEndpointCreateInput,
  ): Promise<CreatedWebhookEndpoint> {
    const { secret, endpoint } = await this.webhooks.create(actor, data);
    return { secret, endpoint: toWebhookEndpoint(endpoint) };
  }

  @Mutation(() => WebhookEndpoint)
  async updateWebhookEndpoint(
    @Actor() actor: ActorType,
    @Args('id', { type: () => ID }) id: string,
    @Args('data') data: WebhookEndpointUpdateInput,
  ): Promise<WebhookEndpoint> {
    return toWebhookEndpoint(await this.webhooks.update(actor, id, data));
  }

  @Mutation(() => WebhookEndpoint, { description: 'Its queued deliveries fail as "the endpoint was deleted"' })
  async deleteWebhookEndpoint(
    @Actor() actor: ActorType,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<WebhookEndpoint> {
    return toWebhookEndpoint(await this.webhooks.delete(actor, id));
  }

  @Query(() => [WebhookEndpoint])
  async webhookEndpoints(): Promise<WebhookEndpoint[]> {
    return (await this.webhooks.list()).map(toWebhookEndpoint);
  }

  @Query(() => [String], {
    description: 'The event types an endpoint can subscribe to (WebhookEndpointCreateInput.events), in a fixed order',
  })
  webhookEventTypes(): string[] {
    return this.webhooks.eventTypes();
  }

  @Query(() => [WebhookDelivery], { description: 'Newest first; take at most 500 (default 50)' })
  async webhookDeliveries(@Args() args: WebhookDeliveriesArgs): Promise<WebhookDelivery[]> {
    const rows = await this.webhooks.deliveries(args.where ?? {}, args.take ?? 50, args.skip ?? 0);
    return rows.map(toWebhookDelivery);
  }

  @Mutation(() => WebhookDelivery, { description: 'A sent or failed delivery, due again now with a fresh schedule' })
  async retryWebhookDelivery(@Args('id', { type: () => ID }) id: string): Promise<WebhookDelivery> {
    return toWebhookDelivery(await this.webhooks.retry(id));
  }

  @Mutation(() => WebhookDelivery, { description: 'Queues a signed webhook.test event for the endpoint' })
  async sendTestWebhook(@Args('id', { type: () => ID }) id: string): Promise<WebhookDelivery> {
    return toWebhookDelivery(await this.webhooks.sendTest(id));
  }

  @Mutation(() => CreatedWebhookEndpoint, {
    description: 'A new whsec_ secret, shown this once; the old one stops at once',
  })
  async rotateWebhookSecret(
    @Actor() actor: ActorType,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<CreatedWebhookEndpoint> {
    const { secret, endpoint } = await this.webhooks.rotateSecret(actor, id);
    return { secret, endpoint: toWebhookEndpoint(endpoint) };
  }
}
