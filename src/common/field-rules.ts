import { Transform } from 'class-transformer';
import { ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';
import { checkEmail, E164, EMAIL_MAX, emailReason, normalisePhone, trimSpace } from './normalise';
import { trimToNull } from './transforms';

/**
 * Field rules for the DTOs: each normalises (a class-transformer transform, run before validation)
 * and validates one kind of field with one message, the first problem found, in the words a client
 * has always seen. Services receive the normalised value and check only what needs the database.
 */

/** Why a field's value is refused, as the whole message (`email cannot be empty`), or null. */
export type FieldProblem = (value: unknown, property: string) => string | null;

/** A validator from one function: valid when it finds no problem, its message the problem. */
export function FieldRule(name: string, problem: FieldProblem, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown, args) => problem(value, args?.property ?? '') === null,
        defaultMessage: (args) => problem(args?.value, args?.property ?? '') ?? '',
      },
    },
    options,
  );
}

/**
 * Validated whenever the field is given, null included (IsOptional skips null too): for fields where
 * null does not mean "clear it", whose rule then refuses null in its own words.
 */
export const ValidateIfGiven = () => ValidateIf((_object: unknown, value: unknown) => value !== undefined);

const both =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };

// ---- email --------------------------------------------------------------------------------------

/**
 * An email field as given → its normalised form (NFKC, trimmed, lower-cased: see normaliseEmail), or
 * why it cannot be one, in the words after the field's name: empty (null, or blank once trimmed), too
 * long, then what checkEmail refuses.
 */
export function checkEmailInput(value: unknown): { email: string } | { reason: string } {
  if (value === undefined || value === null) return { reason: 'cannot be empty' };
  if (typeof value !== 'string') return { reason: 'must be a string' };
  const trimmed = trimSpace(value);
  if (trimmed === '') return { reason: 'cannot be empty' };
  if (trimmed.length > EMAIL_MAX) return { reason: `must be shorter than or equal to ${EMAIL_MAX} characters` };
  const checked = checkEmail(trimmed);
  return 'email' in checked ? checked : { reason: emailReason(trimmed, checked.problem) };
}

/**
 * An email to store: normalised before validation, so the service receives the stored form; refused
 * with the field's name and the reason ("email is not a valid email address: nope"), null included
 * ("email cannot be empty": pair it with ValidateIfGiven, not IsOptional, on an optional field).
 */
export function NormalisedEmail(options?: ValidationOptions): PropertyDecorator {
  return both(
    Transform(({ value }: { value: unknown }) => {
      const checked = checkEmailInput(value);
      if ('email' in checked) return checked.email;
      return typeof value === 'string' ? trimSpace(value) : value;
    }),
    FieldRule(
      'normalisedEmail',
      (value, property) => {
        const checked = checkEmailInput(value);
        return 'reason' in checked ? `${property} ${checked.reason}` : null;
      },
      options,
    ),
  );
}

// ---- phone --------------------------------------------------------------------------------------

/** The reason a phone is refused (SPEC §3.1), after the field's name. */
export const PHONE_REASON = 'must be an E.164 number: "+" and 7 to 15 digits, e.g. +358401234567';

export interface PhoneRuleOptions {
  /** the most characters a phone may have as typed (trimmed) */
  maxLength: number;
  /** what follows the field's name when the number is not E.164 */
  reason?: string;
}

/**
 * A phone as typed → E.164 (spaces, dashes, dots and parentheses removed: see normalisePhone), or why
 * not, after the field's name.
 */
export function checkPhoneInput(value: unknown, { maxLength, reason = PHONE_REASON }: PhoneRuleOptions) {
  if (typeof value !== 'string') return { reason: 'must be a string' };
  const trimmed = value.trim();
  if (trimmed.length > maxLength) return { reason: `must be shorter than or equal to ${maxLength} characters` };
  const phone = normalisePhone(trimmed);
  return phone ? { phone } : { reason };
}

/**
 * A phone to store: trimmed (blank becomes null, which clears the field: pair it with IsOptional),
 * normalised to E.164 before validation, refused with the field's name and the reason.
 */
export function NormalisedPhone(rule: PhoneRuleOptions, options?: ValidationOptions): PropertyDecorator {
  return both(
    Transform(({ value }: { value: unknown }) => {
      const trimmed = trimToNull(value);
      if (typeof trimmed !== 'string') return trimmed;
      const checked = checkPhoneInput(trimmed, rule);
      return 'phone' in checked ? checked.phone : trimmed;
    }),
    FieldRule(
      'normalisedPhone',
      (value, property) => {
        // a normalised phone is E.164; anything else is what the transform could not normalise
        if (typeof value === 'string' && E164.test(value)) return null;
        const checked = checkPhoneInput(value, rule);
        return 'reason' in checked ? `${property} ${checked.reason}` : null;
      },
      options,
    ),
  );
}

// ---- URLs ---------------------------------------------------------------------------------------

/** True for an absolute https URL with a host, as the WHATWG URL parser (and so `fetch`) reads it. */
export function isAbsoluteHttpsUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.hostname !== '';
}

/**
 * An absolute https URL: "orderWebhookUrl must be an absolute https URL". The WHATWG parser's rule,
 * not validator.js's isURL (which wants a top-level domain, so `https://hooks.internal/x` would fail).
 * Other types are left to IsString.
 */
export function IsHttpsUrl(options?: ValidationOptions): PropertyDecorator {
  return FieldRule(
    'isHttpsUrl',
    (value, property) =>
      typeof value !== 'string' || isAbsoluteHttpsUrl(value) ? null : `${property} must be an absolute https URL`,
    options,
  );
}
