import { Field, ID, ObjectType } from '@nestjs/graphql';

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
