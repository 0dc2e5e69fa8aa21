import { Field, ID, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ExactlyOneOf } from '../../common/exactly-one-of';
import { TrimEmail } from '../../common/transforms';

/**
 * A user named by `id` or `email` (exactly one), as in Keystone's `UserWhereUniqueInput`. The email is
 * only trimmed here: a lookup normalises it and finds nothing for an address no account can have.
 */
@InputType('UserWhereUniqueInput')
@ExactlyOneOf(['id', 'email'])
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
