import { Field, ID, ObjectType } from '@nestjs/graphql';
import GraphQLJSON from 'graphql-type-json';

@ObjectType('ErasureReceipt', {
  description:
    'What an erasure removed, as counts per kind (profiles, identifiers, aliases, attributes, events, merges, accounts, ' +
    'sessions, accountTokens, addresses, groupMemberships, outbox, suppressed); no personal data',
})
export class ErasureReceiptModel {
  @Field(() => ID) id!: string;
  @Field(() => Date) erasedAt!: Date;
  @Field(() => GraphQLJSON) counts!: Record<string, number>;
}
