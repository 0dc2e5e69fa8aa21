import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ExactlyOneOf } from '../../common/exactly-one-of';
import { BooleanFilter, IDFilter, ListArgs, OrderDirection, StringFilter } from '../../common/keystone-inputs';
import { TrimToNull } from '../../common/transforms';

/** Bounds of the address columns (src/address/address.entity.ts). */
export const ADDRESS_LIMITS = {
  firstName: 100,
  lastName: 100,
  company: 200,
  address1: 200,
  address2: 200,
  city: 100,
  province: 100,
  postalCode: 20,
} as const;
/** A phone as typed (spaces, dashes, dots, parentheses allowed); stored in E.164 form. */
export const PHONE_INPUT_MAX = 32;
/** How many addresses one user may have. */
export const MAX_ADDRESSES_PER_USER = 100;

@InputType('CountryWhereUniqueInput', {
  description: 'Exactly one of `id` or `iso2` (the id is the ISO alpha-2 code).',
})
@ExactlyOneOf(['id', 'iso2'])
export class CountryWhereUniqueInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(3)
  id?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(3)
  iso2?: string | null;
}

@InputType('CountryRelateToOneForCreateInput')
export class CountryRelateToOneForCreateInput {
  @Field(() => CountryWhereUniqueInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CountryWhereUniqueInput)
  connect?: CountryWhereUniqueInput | null;
}

@InputType('CountryRelateToOneForUpdateInput')
export class CountryRelateToOneForUpdateInput {
  @Field(() => CountryWhereUniqueInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CountryWhereUniqueInput)
  connect?: CountryWhereUniqueInput | null;

  @Field(() => Boolean, { nullable: true, description: 'true removes the country from the address' })
  @IsOptional()
  @IsBoolean()
  disconnect?: boolean | null;
}

/** The text fields shared by create and update; trimmed, an empty string clears the field. */
@InputType({ isAbstract: true })
abstract class AddressFieldsInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(ADDRESS_LIMITS.firstName)
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(ADDRESS_LIMITS.lastName)
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(ADDRESS_LIMITS.company)
  company?: string | null;

  @Field(() => String, { nullable: true, description: 'Street address' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(ADDRESS_LIMITS.address1)
  address1?: string | null;

  @Field(() => String, { nullable: true, description: 'Street address line 2 (optional)' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(ADDRESS_LIMITS.address2)
  address2?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(ADDRESS_LIMITS.city)
  city?: string | null;

  @Field(() => String, { nullable: true, description: 'State, province or region' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(ADDRESS_LIMITS.province)
  province?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(ADDRESS_LIMITS.postalCode)
  postalCode?: string | null;

  @Field(() => String, { nullable: true, description: 'E.164 once spaces, dashes, dots and parentheses are removed' })
  @IsOptional()
  @TrimToNull()
  @IsString()
  @MaxLength(PHONE_INPUT_MAX)
  phone?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "The billing address; true clears it on the user's other addresses",
  })
  @IsOptional()
  @IsBoolean()
  isBilling?: boolean | null;
}

@InputType('AddressCreateInput')
export class AddressCreateInput extends AddressFieldsInput {
  @Field(() => CountryRelateToOneForCreateInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CountryRelateToOneForCreateInput)
  country?: CountryRelateToOneForCreateInput | null;
}

@InputType('AddressUpdateInput', { description: 'Only the fields given change; null or "" clears a field.' })
export class AddressUpdateInput extends AddressFieldsInput {
  @Field(() => CountryRelateToOneForUpdateInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => CountryRelateToOneForUpdateInput)
  country?: CountryRelateToOneForUpdateInput | null;
}

@InputType('AddressWhereUniqueInput')
export class AddressWhereUniqueInput {
  @Field(() => ID)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  id!: string;
}

@InputType('AddressUpdateArgs', {
  description: 'One address to change, in `updateUser(data: { addresses: { update } })`',
})
export class AddressUpdateArgs {
  @Field(() => AddressWhereUniqueInput)
  @ValidateNested()
  @Type(() => AddressWhereUniqueInput)
  where!: AddressWhereUniqueInput;

  @Field(() => AddressUpdateInput)
  @ValidateNested()
  @Type(() => AddressUpdateInput)
  data!: AddressUpdateInput;
}

/** `createUser(data: { addresses: { create: [...] } })`: addresses created with the user. */
@InputType('AddressRelateToManyForCreateInput')
export class AddressRelateToManyForCreateInput {
  @Field(() => [AddressCreateInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_ADDRESSES_PER_USER)
  @ValidateNested({ each: true })
  @Type(() => AddressCreateInput)
  create?: AddressCreateInput[] | null;
}

/**
 * `updateUser(data: { addresses: { ... } })`, applied in the order disconnect, update, create.
 * An address belongs to exactly one user, so `disconnect` deletes it. Each `where` must be one of
 * this user's addresses (NOT_FOUND "Address not found" otherwise, and nothing changes).
 */
@InputType('AddressRelateToManyForUpdateInput')
export class AddressRelateToManyForUpdateInput {
  @Field(() => [AddressWhereUniqueInput], { nullable: true, description: "Deletes these of the user's addresses" })
  @IsOptional()
  @ArrayMaxSize(MAX_ADDRESSES_PER_USER)
  @ValidateNested({ each: true })
  @Type(() => AddressWhereUniqueInput)
  disconnect?: AddressWhereUniqueInput[] | null;

  @Field(() => [AddressUpdateArgs], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_ADDRESSES_PER_USER)
  @ValidateNested({ each: true })
  @Type(() => AddressUpdateArgs)
  update?: AddressUpdateArgs[] | null;

  @Field(() => [AddressCreateInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_ADDRESSES_PER_USER)
  @ValidateNested({ each: true })
  @Type(() => AddressCreateInput)
  create?: AddressCreateInput[] | null;
}

/** `User.addresses(where: …)`: Keystone's filters on the address's own fields. */
@InputType('AddressWhereInput')
export class AddressWhereInput {
  @Field(() => IDFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => IDFilter)
  id?: IDFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  firstName?: StringFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  lastName?: StringFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  company?: StringFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  address1?: StringFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  address2?: StringFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  city?: StringFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  province?: StringFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  postalCode?: StringFilter | null;

  @Field(() => StringFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => StringFilter)
  phone?: StringFilter | null;

  @Field(() => BooleanFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => BooleanFilter)
  isBilling?: BooleanFilter | null;
}

export const ADDRESS_ORDER_FIELDS = [
  'id',
  'firstName',
  'lastName',
  'company',
  'address1',
  'address2',
  'city',
  'province',
  'postalCode',
  'phone',
  'isBilling',
  'createdAt',
  'updatedAt',
] as const;

@InputType('AddressOrderByInput', { description: 'One field per element (Keystone style).' })
export class AddressOrderByInput {
  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  id?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  firstName?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  lastName?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  company?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  address1?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  address2?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  city?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  province?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  postalCode?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  phone?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  isBilling?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  createdAt?: OrderDirection | null;

  @Field(() => OrderDirection, { nullable: true })
  @IsOptional()
  @IsEnum(OrderDirection)
  updatedAt?: OrderDirection | null;
}

/**
 * Keystone's arguments of the to-many field `User.addresses` (the storefront sorts with
 * `orderBy: [{ isBilling: desc }]`); oldest first after the given order, `take` at most 1000.
 */
@ArgsType()
export class UserAddressesArgs extends ListArgs(AddressWhereInput, AddressOrderByInput) {}
