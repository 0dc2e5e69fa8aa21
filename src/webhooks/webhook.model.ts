import { ArgsType, Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { WEBHOOK_EVENT_TYPES } from './webhook-events';

export const MAX_DELIVERIES_TAKE = 500;
const STATUSES = ['pending', 'sending', 'sent', 'failed'];

@ObjectType('WebhookEndpoint')
export class WebhookEndpoint {
  @Field(() => ID) id!: string;
  @Field() url!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => [String], { description: 'the event types it receives' }) events!: string[];
  @Field() enabled!: boolean;
  @Field(() => String, { nullable: true, description: 'why it was disabled (an answer of 410 Gone)' })
  disabledReason!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType('CreatedWebhookEndpoint')
export class CreatedWebhookEndpoint {
  @Field({ description: 'The whsec_… signing secret: shown this once' }) secret!: string;
  @Field(() => WebhookEndpoint) endpoint!: WebhookEndpoint;
}

@ObjectType('WebhookDelivery', { description: 'One event for one endpoint, as the outbox delivers it' })
export class WebhookDelivery {
  @Field(() => ID) id!: string;
  @Field(() => ID) endpointId!: string;
  @Field({ description: 'the webhook-id header: the same on every attempt' }) eventId!: string;
  @Field() eventType!: string;
  @Field({ description: 'pending | sending | sent | failed' }) status!: string;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true, description: 'why the last attempt failed (HTTP status or error)' })
  lastError!: string | null;
  @Field(() => Date, { nullable: true, description: 'while pending: when the next attempt is due' })
  nextAttemptAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastAttemptAt!: Date | null;
  @Field(() => Date, { nullable: true }) sentAt!: Date | null;
  @Field() createdAt!: Date;
}

@InputType('WebhookEndpointCreateInput')
export class WebhookEndpointCreateInput {
  @Field({ description: 'https (http and private addresses only with WEBHOOK_ALLOW_PRIVATE=true)' })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @Field(() => [String], { description: `Event types: ${WEBHOOK_EVENT_TYPES.join(', ')}` })
  @IsString({ each: true })
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  events!: string[];

  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(500) description?: string | null;
}

@InputType('WebhookEndpointUpdateInput')
export class WebhookEndpointUpdateInput {
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(2048) url?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  events?: string[];

  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(500) description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'false pauses deliveries; true enables it again' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

@InputType('WebhookDeliveryWhereInput')
export class WebhookDeliveryWhereInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() @MaxLength(36) endpointId?: string | null;
  @Field(() => String, { nullable: true, description: 'pending | sending | sent | failed' })
  @IsOptional()
  @IsIn(STATUSES, { message: `status must be one of ${STATUSES.join(', ')}` })
  status?: string | null;
}

@ArgsType()
export class WebhookDeliveriesArgs {
  @Field(() => WebhookDeliveryWhereInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebhookDeliveryWhereInput)
  where?: WebhookDeliveryWhereInput | null;

  @Field(() => Int, { nullable: true, description: `At most ${MAX_DELIVERIES_TAKE} (the default 50)` })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_DELIVERIES_TAKE)
  take?: number | null;

  @Field(() => Int, { nullable: true }) @IsOptional() @IsInt() @Min(0) @Max(1_000_000) skip?: number | null;
}
