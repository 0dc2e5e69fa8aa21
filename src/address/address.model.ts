import { Field, ID, ObjectType } from '@nestjs/graphql';

/** SPEC §3.2. `country` and `user` are resolved by field resolvers from the ids below. */
@ObjectType('Address')
export class Address {
  @Field(() => ID) id!: string;
  @Field(() => String, { nullable: true }) firstName!: string | null;
  @Field(() => String, { nullable: true }) lastName!: string | null;
  @Field(() => String, { nullable: true }) company!: string | null;
  @Field(() => String, { nullable: true }) address1!: string | null;
  @Field(() => String, { nullable: true }) address2!: string | null;
  @Field(() => String, { nullable: true }) city!: string | null;
  @Field(() => String, { nullable: true }) province!: string | null;
  @Field(() => String, { nullable: true }) postalCode!: string | null;
  @Field(() => String, { nullable: true }) phone!: string | null;
  @Field(() => Boolean, { nullable: true }) isBilling!: boolean;
  /** not GraphQL fields: `user` and `country` are resolved from these */
  userId!: string;
  countryId!: string | null;
}
