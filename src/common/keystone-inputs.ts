import type { Type as Class } from '@nestjs/common';
import { ArgsType, Field, ID, InputType, Int, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { SelectQueryBuilder } from 'typeorm';
import { AppError } from './app-error';

/**
 * Keystone-style list arguments shared by the list queries (`where`, `orderBy`, `take`, `skip`).
 * Filters are deliberately small: the operators the admin screens use, each bounded.
 */
export enum OrderDirection {
  asc = 'asc',
  desc = 'desc',
}
registerEnumType(OrderDirection, { name: 'OrderDirection' });

export const MAX_FILTER_LIST = 1000;
export const MAX_TAKE = 1000;

/** `take` (at most MAX_TAKE, the default) and `skip`, shared by the Keystone-style list queries. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `At most ${MAX_TAKE} (the default)` })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_TAKE)
  take?: number | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  skip?: number | null;
}

/** At most this many `orderBy` terms in one list query. */
export const MAX_ORDER_TERMS = 3;

/** What `ListArgs(Where, OrderBy)` holds: PageArgs, a `where` and the `orderBy` terms. */
export interface ListArgsOf<W, O> extends PageArgs {
  where?: W | null;
  orderBy?: O[] | null;
}

/**
 * Keystone's list arguments over one model: `where: <Where>`, `orderBy: [<OrderBy!>]` (at most
 * MAX_ORDER_TERMS), `take` and `skip` (PageArgs), each validated (nested inputs included). A list's own
 * args type is `@ArgsType() export class UsersArgs extends ListArgs(UserWhereInput, UserOrderByInput) {}`:
 * arguments are flattened into the field, so the class adds nothing to the schema but these four.
 */
export function ListArgs<W extends object, O extends object>(
  whereInput: Class<W>,
  orderByInput: Class<O>,
): Class<ListArgsOf<W, O>> {
  @ArgsType()
  class KeystoneListArgs extends PageArgs implements ListArgsOf<W, O> {
    @Field(() => whereInput, { nullable: true })
    @IsOptional()
    @ValidateNested()
    @Type(() => whereInput)
    where?: W | null;

    @Field(() => [orderByInput], { nullable: true })
    @IsOptional()
    @ArrayMaxSize(MAX_ORDER_TERMS)
    @ValidateNested({ each: true })
    @Type(() => orderByInput)
    orderBy?: O[] | null;
  }
  return KeystoneListArgs;
}

@InputType('IDFilter')
export class IDFilter {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  equals?: string | null;

  @Field(() => [ID], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_FILTER_LIST)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  in?: string[] | null;
}

@InputType('StringFilter', { description: '`contains` and `startsWith` ignore case; `equals` and `in` do not.' })
export class StringFilter {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  equals?: string | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_FILTER_LIST)
  @IsString({ each: true })
  @MaxLength(500, { each: true })
  in?: string[] | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  contains?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  startsWith?: string | null;
}

/** The filter with `normalise` applied to every value it compares (for columns stored normalised). */
export function mapStringFilter(
  filter: StringFilter | null | undefined,
  normalise: (value: string) => string,
): StringFilter | null | undefined {
  if (!filter) return filter;
  const one = (value: string | null | undefined) => (typeof value === 'string' ? normalise(value) : value);
  return {
    ...filter,
    equals: one(filter.equals),
    in: filter.in?.map(normalise) ?? filter.in,
    contains: one(filter.contains),
    startsWith: one(filter.startsWith),
  };
}

/** Parameter names derived from the column, so several filters can share one query. */
const param = (column: string, op: string) => `${column.replace(/\W/g, '_')}_${op}`;
const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Adds an IDFilter on `column` (e.g. `g.id`) to the query. */
export function applyIdFilter<T extends object>(qb: SelectQueryBuilder<T>, column: string, filter?: IDFilter | null) {
  if (!filter) return;
  if (filter.equals !== undefined && filter.equals !== null) {
    const p = param(column, 'equals');
    qb.andWhere(`${column} = :${p}`, { [p]: filter.equals });
  }
  if (filter.in !== undefined && filter.in !== null) applyIn(qb, column, filter.in);
}

/** Adds a StringFilter on `column` to the query. */
export function applyStringFilter<T extends object>(
  qb: SelectQueryBuilder<T>,
  column: string,
  filter?: StringFilter | null,
) {
  if (!filter) return;
  if (filter.equals !== undefined && filter.equals !== null) {
    const p = param(column, 'equals');
    qb.andWhere(`${column} = :${p}`, { [p]: filter.equals });
  }
  if (filter.in !== undefined && filter.in !== null) applyIn(qb, column, filter.in);
  for (const [op, value, pattern] of [
    ['contains', filter.contains, (v: string) => `%${escapeLike(v.toLowerCase())}%`],
    ['startsWith', filter.startsWith, (v: string) => `${escapeLike(v.toLowerCase())}%`],
  ] as const) {
    if (value === undefined || value === null) continue;
    const p = param(column, op);
    qb.andWhere(`LOWER(${column}) LIKE :${p} ESCAPE '\\'`, { [p]: pattern(value) });
  }
}

function applyIn<T extends object>(qb: SelectQueryBuilder<T>, column: string, values: string[]) {
  if (values.length === 0) {
    qb.andWhere('1 = 0');
    return;
  }
  const p = param(column, 'in');
  qb.andWhere(`${column} IN (:...${p})`, { [p]: values });
}

@InputType('BooleanFilter')
export class BooleanFilter {
  @Field(() => Boolean, { nullable: true })
  @IsOptional()
  @IsBoolean()
  equals?: boolean | null;
}

/** Adds a BooleanFilter on `column` to the query. */
export function applyBooleanFilter<T extends object>(
  qb: SelectQueryBuilder<T>,
  column: string,
  filter?: BooleanFilter | null,
) {
  if (filter?.equals === undefined || filter.equals === null) return;
  const p = param(column, 'equals');
  qb.andWhere(`${column} = :${p}`, { [p]: filter.equals });
}

/** One ORDER BY term: a column of the query (`alias.property`) and its direction. */
export interface OrderTerm {
  column: string;
  direction: 'ASC' | 'DESC';
}

/**
 * Keystone's `orderBy: [{ field: asc | desc }, …]` as ORDER BY terms on `alias`: each element names
 * exactly one of `fields` (else BAD_USER_INPUT), then `tiebreakers` keep the order total.
 */
export function orderTerms<F extends string>(
  alias: string,
  orderBy: readonly Partial<Record<F, OrderDirection | null>>[] | null | undefined,
  fields: readonly F[],
  tiebreakers: readonly OrderTerm[],
): OrderTerm[] {
  const terms: OrderTerm[] = [];
  for (const element of orderBy ?? []) {
    const named = fields.filter((f) => element[f] !== undefined && element[f] !== null);
    if (named.length !== 1) throw AppError.badInput('orderBy: each element takes exactly one field');
    terms.push({
      column: `${alias}.${named[0]}`,
      direction: element[named[0]] === OrderDirection.desc ? 'DESC' : 'ASC',
    });
  }
  return [...terms, ...tiebreakers.filter((t) => !terms.some((term) => term.column === t.column))];
}
