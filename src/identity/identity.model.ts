import { Field, ID, ObjectType } from '@nestjs/graphql';
import GraphQLJSON from 'graphql-type-json';

@ObjectType('IdentityAttribute', { description: 'A custom attribute; a non-string value is shown as its JSON text' })
export class IdentityAttribute {
  @Field() name!: string;
  @Field() value!: string;
}

@ObjectType('Identifier', {
  description: 'type is uuid, email, phone_number, or the name of a custom identifier (e.g. user_loyalty_id)',
})
export class Identifier {
  @Field() type!: string;
  @Field() value!: string;
}

@ObjectType('IdentityEvent', {
  description:
    "A behavioural event of the profile, as the partner API's /upsert stored it and /profile answers it (there grouped by name, the time as created_date)",
})
export class IdentityEvent {
  @Field({ description: 'event_name (e.g. purchase, cart_page_view)' }) name!: string;
  @Field(() => Date, { description: 'when it happened (the event’s timestamp)' }) timestamp!: Date;
  @Field(() => GraphQLJSON, {
    description:
      'event_params as stored: custom parameters under `custom` (with the event’s own `custom` merged in), prices and quantities as numbers',
  })
  params!: Record<string, unknown>;
}

/** A person as the marketing APIs see them (Nosto identity, Insider profile). */
@ObjectType('Identity')
export class Identity {
  @Field(() => ID, { description: "The profile id (Insider's insider_id)" }) id!: string;
  @Field(() => Date, { nullable: true }) createdAt!: Date;
  @Field(() => Date, { nullable: true }) updatedAt!: Date;
  /** not a GraphQL field: `Identity.user` is resolved from it */
  userId!: string | null;
}

@ObjectType('IdentitySettings', { description: "Insider's IRM settings, applied to every partner API request" })
export class IdentitySettingsModel {
  @Field(() => [String], { description: 'Subset of uuid, email, phone_number' }) enabledIdentifiers!: string[];
  @Field(() => [String], { description: 'Enabled custom identifier names (^[a-z][a-z0-9_]{0,63}$)' })
  customIdentifiers!: string[];
  @Field(() => [String], { description: 'Values never used as identifiers' }) blockedValues!: string[];
  @Field({
    description:
      'An /upsert user whose identifiers belong to several profiles merges them, the oldest surviving (default false: the user fails)',
  })
  mergeOnUpsert!: boolean;
}
