import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsBoolean, IsEnum, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { AddressRelateToManyForCreateInput, AddressRelateToManyForUpdateInput } from '../../address/dto/address.input';
import { ExactlyOneOf } from '../../common/exactly-one-of';
import {
  FieldProblem,
  FieldRule,
  IsHttpsUrl,
  NormalisedEmail,
  NormalisedPhone,
  ValidateIfGiven,
} from '../../common/field-rules';
import { IDFilter, ListArgs, OrderDirection, StringFilter } from '../../common/keystone-inputs';
import { Trim, TrimToNull } from '../../common/transforms';
import {
  CustomerGroupRelateToManyForCreateInput,
  CustomerGroupRelateToManyForUpdateInput,
} from '../../customer-group/dto/customer-group.input';
import { ONBOARDING_STATUSES, OnboardingStatus } from '../user.entity';

export const NAME_MAX = 200;
export const PHONE_INPUT_MAX = 40;
export const WEBHOOK_MAX = 2048;
/* Passwords are checked by the password policy (length, then the common list) in the service, before any hashing. */

/** One of the statuses; null is refused (the column holds a status, always). */
const onboardingStatusProblem: FieldProblem = (value, property) => {
  if (value === null) return `${property} cannot be null`;
  if ((ONBOARDING_STATUSES as readonly unknown[]).includes(value)) return null;
  return `${property} must be one of ${ONBOARDING_STATUSES.join(', ')}`;
};

/** The profile fields a user may change on their own account (seed 002 `UserUpdateProfileInput`). */
@InputType('UserUpdateProfileInput')
export class UserUpdateProfileInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(NAME_MAX)
  name?: string | null;

  /** Normalised; null is refused ("email cannot be empty"). */
  @Field(() => String, { nullable: true })
  @ValidateIfGiven()
  @NormalisedEmail()
  email?: string;

  /** Normalised to E.164; null or blank clears it. */
  @Field(() => String, { nullable: true, description: 'E.164 once spaces, dashes, dots and parentheses are removed' })
  @IsOptional()
  @NormalisedPhone({ maxLength: PHONE_INPUT_MAX })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'not_started | in_progress | completed | dismissed' })
  @ValidateIfGiven()
  @FieldRule('isOnboardingStatus', onboardingStatusProblem)
  onboardingStatus?: OnboardingStatus;

  @Field(() => String, { nullable: true, description: 'An absolute https URL' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(WEBHOOK_MAX)
  @IsHttpsUrl()
  orderWebhookUrl?: string | null;
}

@InputType('UserRegisterInput')
export class UserRegisterInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(NAME_MAX)
  name?: string | null;

  @Field()
  @NormalisedEmail()
  email!: string;

  @Field()
  @IsString()
  password!: string;
}

@InputType('RoleWhereUniqueInput', { description: 'Exactly one of `id` or `name`.' })
@ExactlyOneOf(['id', 'name'])
export class RoleWhereUniqueInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  id?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(100)
  name?: string | null;
}

/** `role: { connect }` (the same GraphQL type) names the role it connects "role", not "role.connect". */
@ExactlyOneOf(['id', 'name'], { path: 'role' })
class RoleConnectInput extends RoleWhereUniqueInput {}

@InputType('RoleRelateToOneForCreateInput')
export class RoleRelateToOneForCreateInput {
  @Field(() => RoleWhereUniqueInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => RoleConnectInput)
  connect?: RoleWhereUniqueInput | null;
}

@InputType('RoleRelateToOneForUpdateInput')
export class RoleRelateToOneForUpdateInput extends RoleRelateToOneForCreateInput {
  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  @IsBoolean()
  disconnect?: boolean | null;
}

/** Admin: a new customer record (no password: `hasAccount: false`) or account. */
@InputType('UserCreateInput')
export class UserCreateInput extends UserUpdateProfileInput {
  /** Required here; the rules are UserUpdateProfileInput's. */
  @Field()
  declare email: string;

  @Field(() => String, {
    nullable: true,
    description: 'Optional: without one the user has no account (hasAccount: false)',
  })
  @IsOptional()
  @IsString()
  password?: string | null;

  @Field(() => RoleRelateToOneForCreateInput, { nullable: true, description: 'Needs canManageRoles' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RoleRelateToOneForCreateInput)
  role?: RoleRelateToOneForCreateInput | null;

  @Field(() => CustomerGroupRelateToManyForCreateInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CustomerGroupRelateToManyForCreateInput)
  customerGroups?: CustomerGroupRelateToManyForCreateInput | null;

  @Field(() => AddressRelateToManyForCreateInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AddressRelateToManyForCreateInput)
  addresses?: AddressRelateToManyForCreateInput | null;
}

/** Admin: change any user. */
@InputType('UserUpdateInput')
export class UserUpdateInput extends UserUpdateProfileInput {
  @Field(() => String, { nullable: true, description: 'A new password; every session of the user ends' })
  @IsOptional()
  @IsString()
  password?: string | null;

  @Field(() => RoleRelateToOneForUpdateInput, { nullable: true, description: 'Needs canManageRoles' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RoleRelateToOneForUpdateInput)
  role?: RoleRelateToOneForUpdateInput | null;

  @Field(() => CustomerGroupRelateToManyForUpdateInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CustomerGroupRelateToManyForUpdateInput)
  customerGroups?: CustomerGroupRelateToManyForUpdateInput | null;

  @Field(() => AddressRelateToManyForUpdateInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AddressRelateToManyForUpdateInput)
  addresses?: AddressRelateToManyForUpdateInput | null;
}

@InputType('UserRoleFilter')
export class UserRoleFilter {
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

@InputType('UserWhereInput')
export class UserWhereInput {
  @Field(() => IDFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => IDFilter)
  id?: IDFilter | null;

  @Field(() => StringFilter, {
    nullable: true,
    description: 'Values are normalised as stored emails are (NFKC, trimmed, lower-case): every operator ignores case',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  email?: StringFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  name?: StringFilter | null;

  @Field(() => UserRoleFilter, {
    nullable: true,
    description: 'Users whose role matches; `role: { id: { equals: null } }` is not supported, use hasRole',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => UserRoleFilter)
  role?: UserRoleFilter | null;

  @Field(() => Boolean, { nullable: true, description: 'true: staff (any role); false: customers' })
  @IsOptional()
  @IsBoolean()
  hasRole?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'true: users who proved their email (emailVerified); false: those who have not',
  })
  @IsOptional()
  @IsBoolean()
  emailVerified?: boolean | null;
}

@InputType('UserOrderByInput', { description: 'Exactly one field per entry.' })
export class UserOrderByInput {
  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  name?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  email?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  createdAt?: OrderDirection | null;
}

@ArgsType()
export class UsersArgs extends ListArgs(UserWhereInput, UserOrderByInput) {}

/** The permissions of a role (SPEC §2); a permission left out is false on create and kept on update. */
@InputType({ isAbstract: true })
abstract class RolePermissionsInput {
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() canReadUsers?: boolean;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() canManageUsers?: boolean;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() canManageIdentities?: boolean;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() canManageApiTokens?: boolean;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() canManageRoles?: boolean;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() canReadAudit?: boolean;
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() canManageWebhooks?: boolean;
}

@InputType('RoleCreateInput')
export class RoleCreateInput extends RolePermissionsInput {
  @Field()
  @Trim()
  @IsString()
  @IsNotEmpty({ message: 'name cannot be empty' })
  @MaxLength(100)
  name!: string;
}

@InputType('RoleUpdateInput')
export class RoleUpdateInput extends RolePermissionsInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Trim()
  @IsString()
  @IsNotEmpty({ message: 'name cannot be empty' })
  @MaxLength(100)
  name?: string;
}
