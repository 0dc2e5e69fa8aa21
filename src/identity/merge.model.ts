import { Field, ID, ObjectType } from '@nestjs/graphql';
import GraphQLJSON from 'graphql-type-json';
import { IdentityMergeEntity } from './identity.entity';
import { Identity } from './identity.model';

@ObjectType('IdentityMerge', {
  description:
    'A merge of identity profiles into a survivor. conflicts lists every value the survivor did not keep: ' +
    '{ profileId, kind: "identifier" | "attribute", name, value, kept, alias } (an identifier is kept as an alias)',
})
export class IdentityMerge {
  @Field(() => ID) id!: string;
  @Field(() => Identity, { nullable: true, description: 'null once the survivor has been erased or merged on' })
  survivor?: Identity | null;
  @Field(() => [ID]) mergedIds!: string[];
  @Field(() => GraphQLJSON) conflicts!: object[];
  @Field({ description: 'who merged: user:<id>, token:<id> or system:<why>' }) actor!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'when it was undone (unmergeIdentity)' })
  unmergedAt!: Date | null;
  /** not GraphQL fields: the survivor is resolved from it; a merge belongs to no account */
  survivorId!: string;
  ownerUserId!: null;
}

export function toIdentityMerge(entity: IdentityMergeEntity): IdentityMerge {
  return {
    id: entity.id,
    mergedIds: entity.mergedIds,
    conflicts: entity.conflicts,
    actor: entity.actor,
    reason: entity.reason,
    createdAt: entity.createdAt,
    unmergedAt: entity.unmergedAt,
    survivorId: entity.survivorId,
    ownerUserId: null,
  };
}
