import { Field, ID, ObjectType } from '@nestjs/graphql';

@ObjectType('Country')
export class Country {
  @Field(() => ID) id!: string;
  @Field() iso2!: string;
  @Field(() => String, { nullable: true }) iso3!: string | null;
  @Field() name!: string;
}
