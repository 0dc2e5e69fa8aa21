import { Field, ID, ObjectType } from '@nestjs/graphql';
import GraphQLJSON from 'graphql-type-json';

/** SPEC §3.3. `users` and `usersCount` are resolved by field resolvers. */
@ObjectType('CustomerGroup')
export class CustomerGroup {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => GraphQLJSON, { nullable: true }) metadata!: Record<string, unknown> | null;
  @Field(() => Date, { nullable: true }) createdAt!: Date;
  @Field(() => Date, { nullable: true }) updatedAt!: Date;
}
