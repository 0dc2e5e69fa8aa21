import { Field, ID, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { TrimEmail } from '../../common/transforms';

/**
 * A user named by `id` or `email` (exactly one), as in Keystone's `UserWhereUniqueInput`.
 */
@InputType('UserWhereUniqueInput')
export class UserWhereUniqueInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  id?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimEmail()
  @IsString()
  @MaxLength(254)
  email?: string | null;
}
