import { ArgsType, Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ExactlyOneOf } from '../../common/exactly-one-of';
import { TrimEmail } from '../../common/transforms';

/** At most this many profiles in one merge (the survivor and those merged into it). */
export const MERGE_PROFILES_MAX = 50;

@InputType('IdentifierWhereInput', {
  description: 'type is uuid, email, phone_number, or the name of a custom identifier (e.g. user_loyalty_id)',
})
export class IdentifierWhereInput {
  @Field()
  @IsString()
  @MaxLength(64)
  type!: string;

  @Field()
  @IsString()
  @MaxLength(255)
  value!: string;
}

/** A profile named by `id` (its insider_id), `email` or one identifier: exactly one. */
@InputType('IdentityWhereUniqueInput')
@ExactlyOneOf(['id', 'email', 'identifier'])
export class IdentityWhereUniqueInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(36)
  id?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimEmail()
  @IsString()
  @MaxLength(254)
  email?: string | null;

  @Field(() => IdentifierWhereInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => IdentifierWhereInput)
  identifier?: IdentifierWhereInput | null;
}

@ArgsType()
export class MergeIdentitiesArgs {
  @Field(() => IdentityWhereUniqueInput)
  @ValidateNested()
  @Type(() => IdentityWhereUniqueInput)
  into!: IdentityWhereUniqueInput;

  @Field(() => [IdentityWhereUniqueInput])
  @ArrayMinSize(1, { message: 'from must name at least one profile' })
  @ArrayMaxSize(MERGE_PROFILES_MAX - 1, {
    message: `at most ${MERGE_PROFILES_MAX} profiles in one merge: from names at most ${MERGE_PROFILES_MAX - 1}`,
  })
  @ValidateNested({ each: true })
  @Type(() => IdentityWhereUniqueInput)
  from!: IdentityWhereUniqueInput[];

  @Field(() => String, { nullable: true, description: 'why (kept with the merge, at most 500 characters)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string | null;
}

@InputType('IdentityMergeWhereInput')
export class IdentityMergeWhereInput {
  @Field(() => ID, { nullable: true, description: 'merges this profile took part in (as survivor or merged)' })
  @IsOptional()
  @IsString()
  @MaxLength(36)
  profileId?: string | null;
}

@ArgsType()
export class IdentityMergesArgs {
  @Field(() => IdentityMergeWhereInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => IdentityMergeWhereInput)
  where?: IdentityMergeWhereInput | null;

  @Field(() => Int, { nullable: true, defaultValue: 50 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  take?: number;

  @Field(() => Int, { nullable: true, defaultValue: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  skip?: number;
}
