import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsDate,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { NormalisedEmail } from '../../common/field-rules';

export const ATTRIBUTE_NAME_MAX = 128;
export const ATTRIBUTE_VALUE_MAX = 4096;
export const ATTRIBUTES_PER_CALL = 100;
/** `identities` without `take` */
export const DEFAULT_TAKE = 50;

/** Checked in the service, so that every error names the attribute. */
@InputType('IdentityAttributeInput')
export class IdentityAttributeInput {
  @Field()
  @IsString()
  name!: string;

  @Field()
  @IsString()
  value!: string;
}

@InputType('IdentityInput')
export class IdentityInput {
  @Field()
  @NormalisedEmail()
  email!: string;

  @Field(() => [IdentityAttributeInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(ATTRIBUTES_PER_CALL, { message: `at most ${ATTRIBUTES_PER_CALL} attributes per call` })
  @ValidateNested({ each: true })
  @Type(() => IdentityAttributeInput)
  attributes?: IdentityAttributeInput[] | null;
}

@InputType('IdentityAttributeFilter')
export class IdentityAttributeFilter {
  @Field()
  @IsString()
  @MaxLength(ATTRIBUTE_NAME_MAX)
  name!: string;

  @Field()
  @IsString()
  @MaxLength(ATTRIBUTE_VALUE_MAX)
  value!: string;
}

@InputType('IdentityAttributesFilter')
export class IdentityAttributesFilter {
  @Field(() => IdentityAttributeFilter, { description: 'Profiles with an attribute of this name and value' })
  @ValidateNested()
  @Type(() => IdentityAttributeFilter)
  some!: IdentityAttributeFilter;
}

@InputType('IdentityWhereInput')
export class IdentityWhereInput {
  @Field(() => IdentityAttributesFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => IdentityAttributesFilter)
  attributes?: IdentityAttributesFilter | null;

  @Field(() => [IdentityWhereInput], { nullable: true, description: 'Every condition must hold' })
  @IsOptional()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => IdentityWhereInput)
  AND?: IdentityWhereInput[] | null;
}

@ArgsType()
export class IdentitiesCountArgs {
  @Field(() => IdentityWhereInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => IdentityWhereInput)
  where?: IdentityWhereInput | null;
}

@ArgsType()
export class IdentitiesArgs extends IdentitiesCountArgs {
  @Field(() => ID, {
    nullable: true,
    description:
      'A cursor: the id of the last identity of the previous page. The page starts after it (in id order), as fast at any depth as the first page.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  after?: string | null;

  @Field(() => Int, { nullable: true, description: `Default ${DEFAULT_TAKE}, at most 1000` })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  take?: number | null;

  @Field(() => Int, { nullable: true, description: 'Identities to skip (after the cursor, when one is given)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  skip?: number | null;
}

/** `Identity.events` without `take` */
export const EVENTS_DEFAULT_TAKE = 20;
export const EVENTS_MAX_TAKE = 100;

@InputType('IdentityEventWhereInput')
export class IdentityEventWhereInput {
  @Field(() => String, { nullable: true, description: 'only events of this name (e.g. purchase)' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_]{1,128}$/, { message: 'name must be 1 to 128 lowercase letters, digits or "_"' })
  name?: string | null;

  @Field(() => Date, { nullable: true, description: 'events at or after this time' })
  @IsOptional()
  @IsDate()
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'events before this time' })
  @IsOptional()
  @IsDate()
  to?: Date | null;
}

@ArgsType()
export class IdentityEventsArgs {
  @Field(() => Int, {
    nullable: true,
    defaultValue: EVENTS_DEFAULT_TAKE,
    description: `At most ${EVENTS_MAX_TAKE}, counted per identity`,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(EVENTS_MAX_TAKE)
  take?: number | null;

  @Field(() => IdentityEventWhereInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => IdentityEventWhereInput)
  where?: IdentityEventWhereInput | null;
}
