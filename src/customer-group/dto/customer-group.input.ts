import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsEnum, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import GraphQLJSON from 'graphql-type-json';
import { ExactlyOneOf } from '../../common/exactly-one-of';
import { IDFilter, ListArgs, OrderDirection, StringFilter } from '../../common/keystone-inputs';
import { Trim } from '../../common/transforms';
import { UserWhereUniqueInput } from '../../user/dto/user-where-unique.input';
import { IsJsonObject } from './json-object.validator';

/** Bound of every connect / disconnect / set list. */
export const MAX_RELATE = 1000;
export const GROUP_NAME_MAX = 100;

@InputType('CustomerGroupWhereUniqueInput', { description: 'Exactly one of `id` or `name`.' })
@ExactlyOneOf(['id', 'name'])
export class CustomerGroupWhereUniqueInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  id?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(GROUP_NAME_MAX)
  name?: string | null;
}

@InputType('UserRelateToManyForCreateInput')
export class UserRelateToManyForCreateInput {
  @Field(() => [UserWhereUniqueInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_RELATE)
  @ValidateNested({ each: true })
  @Type(() => UserWhereUniqueInput)
  connect?: UserWhereUniqueInput[] | null;
}

@InputType('UserRelateToManyForUpdateInput', {
  description: 'Applied in the order disconnect, set, connect; `set` and `disconnect` cannot be given together.',
})
export class UserRelateToManyForUpdateInput extends UserRelateToManyForCreateInput {
  @Field(() => [UserWhereUniqueInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_RELATE)
  @ValidateNested({ each: true })
  @Type(() => UserWhereUniqueInput)
  disconnect?: UserWhereUniqueInput[] | null;

  @Field(() => [UserWhereUniqueInput], { nullable: true, description: 'Replaces the members with exactly these' })
  @IsOptional()
  @ArrayMaxSize(MAX_RELATE)
  @ValidateNested({ each: true })
  @Type(() => UserWhereUniqueInput)
  set?: UserWhereUniqueInput[] | null;
}

/** `createUser(data: { customerGroups: { connect } })`. */
@InputType('CustomerGroupRelateToManyForCreateInput')
export class CustomerGroupRelateToManyForCreateInput {
  @Field(() => [CustomerGroupWhereUniqueInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_RELATE)
  @ValidateNested({ each: true })
  @Type(() => CustomerGroupWhereUniqueInput)
  connect?: CustomerGroupWhereUniqueInput[] | null;
}

/** `updateUser(data: { customerGroups: { connect, disconnect, set } })`. */
@InputType('CustomerGroupRelateToManyForUpdateInput', {
  description: 'Applied in the order disconnect, set, connect; `set` and `disconnect` cannot be given together.',
})
export class CustomerGroupRelateToManyForUpdateInput extends CustomerGroupRelateToManyForCreateInput {
  @Field(() => [CustomerGroupWhereUniqueInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_RELATE)
  @ValidateNested({ each: true })
  @Type(() => CustomerGroupWhereUniqueInput)
  disconnect?: CustomerGroupWhereUniqueInput[] | null;

  @Field(() => [CustomerGroupWhereUniqueInput], {
    nullable: true,
    description: "Replaces the user's groups with exactly these",
  })
  @IsOptional()
  @ArrayMaxSize(MAX_RELATE)
  @ValidateNested({ each: true })
  @Type(() => CustomerGroupWhereUniqueInput)
  set?: CustomerGroupWhereUniqueInput[] | null;
}

@InputType('CustomerGroupCreateInput')
export class CustomerGroupCreateInput {
  @Field(() => String)
  @Trim()
  @IsString()
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(GROUP_NAME_MAX)
  name!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'A JSON object of at most 16 KB' })
  @IsOptional()
  @IsJsonObject()
  metadata?: Record<string, unknown> | null;

  @Field(() => UserRelateToManyForCreateInput, { nullable: true, description: 'Users to add to the group' })
  @IsOptional()
  @ValidateNested()
  @Type(() => UserRelateToManyForCreateInput)
  users?: UserRelateToManyForCreateInput | null;
}

@InputType('CustomerGroupUpdateInput')
export class CustomerGroupUpdateInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @IsNotEmpty({ message: 'name must not be empty' })
  @MaxLength(GROUP_NAME_MAX)
  name?: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'A JSON object of at most 16 KB; null clears it' })
  @IsOptional()
  @IsJsonObject()
  metadata?: Record<string, unknown> | null;

  @Field(() => UserRelateToManyForUpdateInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => UserRelateToManyForUpdateInput)
  users?: UserRelateToManyForUpdateInput | null;
}

@InputType('CustomerGroupWhereInput')
export class CustomerGroupWhereInput {
  @Field(() => IDFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => IDFilter)
  id?: IDFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  name?: StringFilter | null;
}

@InputType('CustomerGroupOrderByInput', { description: 'One field per element (Keystone style).' })
export class CustomerGroupOrderByInput {
  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  id?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  name?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  createdAt?: OrderDirection | null;
}

/** The list arguments of `customerGroups` (Keystone style); `take` is at most 1000. */
@ArgsType()
export class CustomerGroupListArgs extends ListArgs(CustomerGroupWhereInput, CustomerGroupOrderByInput) {}

@ArgsType()
export class CustomerGroupCountArgs {
  @Field(() => CustomerGroupWhereInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CustomerGroupWhereInput)
  where?: CustomerGroupWhereInput | null;
}
