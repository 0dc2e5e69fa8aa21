import { Field, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsBoolean, IsOptional, IsString } from 'class-validator';
import { FieldProblem, FieldRule } from '../../common/field-rules';
import { DEFAULT_IDENTIFIER_TYPES } from '../identity-codec';

export const CUSTOM_IDENTIFIER_NAME = /^[a-z][a-z0-9_]{0,63}$/;
export const BLOCKED_VALUE_MAX = 255;

/**
 * A settings list: each item passes `item` (which says what is wrong with it after the list's name),
 * and no value is listed twice. The message names the first problem, as the list is read.
 */
function settingsList(item: (value: string) => string | null): FieldProblem {
  return (value, property) => {
    if (!Array.isArray(value)) return null; // not a list: the type's rules say so
    for (const entry of value) {
      const problem = typeof entry === 'string' ? item(entry) : null;
      if (problem) return `${property}: ${problem}`;
    }
    return new Set(value).size === value.length ? null : `${property} lists a value twice`;
  };
}

const identifierType = (type: string) =>
  (DEFAULT_IDENTIFIER_TYPES as readonly string[]).includes(type)
    ? null
    : `unknown identifier type "${type}" (use ${DEFAULT_IDENTIFIER_TYPES.join(', ')})`;
const customName = (name: string) =>
  CUSTOM_IDENTIFIER_NAME.test(name) ? null : `"${name}" must match ${CUSTOM_IDENTIFIER_NAME.source}`;
const blockedValue = (value: string) =>
  value.length > BLOCKED_VALUE_MAX ? `each value must be at most ${BLOCKED_VALUE_MAX} characters` : null;

@InputType('IdentitySettingsInput', {
  description: 'Each list given replaces the current one whole; fields not given are kept',
})
export class IdentitySettingsInput {
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(3)
  @IsString({ each: true })
  @FieldRule('identifierTypes', settingsList(identifierType))
  enabledIdentifiers?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @FieldRule('customIdentifierNames', settingsList(customName))
  customIdentifiers?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @FieldRule('blockedValues', settingsList(blockedValue))
  blockedValues?: string[];

  @Field(() => Boolean, {
    nullable: true,
    description:
      'When true, an /upsert user whose identifiers belong to several profiles merges them (the oldest survives)',
  })
  @IsOptional()
  @IsBoolean()
  mergeOnUpsert?: boolean;
}
