import { isEmail as isEmailAddress } from 'class-validator';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { AppError } from './app-error';

/** Input normalisers shared by every API. */
export const E164 = /^\+[1-9]\d{6,14}$/;

export const EMAIL_MAX = 254;

/**
 * Emails, before every comparison and every store: NFKC (fullwidth `ａｄａ` is `ada`, a decomposed `é` is
 * the composed one, a ligature its letters), trimmed, lower-cased, so look-alikes are one address and
 * uniqueness is case-insensitive on both engines. Idempotent.
 */
export function normaliseEmail(email: string): string {
  return trimSpace(email.normalize('NFKC')).toLowerCase().normalize('NFKC');
}

// White space without U+FEFF, which JavaScript's trim() strips too: a byte-order mark is a format
// character, never silently dropped (an email holding one is refused, and matches no stored address).
const EDGE_SPACE = /^(?:(?!\uFEFF)\s)+|(?:(?!\uFEFF)\s)+$/g;

/** Trims white space, but not a byte-order mark, from both ends. */
export function trimSpace(text: string): string {
  return text.replace(EDGE_SPACE, '');
}

/** Invisible or format characters (Unicode Cf: zero-width space and joiners, BOM, bidi marks, soft hyphen…). */
const FORMAT_CHARACTER = /\p{Cf}/u;
const CONTROL_OR_SURROGATE = /[\p{Cc}\p{Cs}]/u;

export const EMAIL_PROBLEMS = {
  formatCharacters: 'must not contain invisible or formatting characters (such as a zero-width space)',
  trailingDot: 'must not end with a dot',
  invalid: 'is not a valid email address',
} as const;

/**
 * An email as given → its normalised form, or why it cannot be one: an invisible or format character
 * anywhere (checked before trimming: a BOM is not whitespace to strip silently), a trailing dot, or
 * what validator.js's isEmail refuses (at most 254 characters).
 */
export function checkEmail(input: string): { email: string } | { problem: keyof typeof EMAIL_PROBLEMS } {
  if (FORMAT_CHARACTER.test(input)) return { problem: 'formatCharacters' };
  const email = normaliseEmail(input);
  if (email.endsWith('.')) return { problem: 'trailingDot' };
  if (email.length > EMAIL_MAX || CONTROL_OR_SURROGATE.test(email) || !isEmailAddress(email)) {
    return { problem: 'invalid' };
  }
  return { email };
}

/** What is wrong with an email, in the words that follow the field's name (an invalid one is quoted). */
export function emailReason(input: string, problem: keyof typeof EMAIL_PROBLEMS): string {
  return `${EMAIL_PROBLEMS[problem]}${problem === 'invalid' ? `: ${input}` : ''}`;
}

/** The normalised email, or BAD_USER_INPUT naming the field and saying what is wrong. */
export function parseEmail(input: string, field = 'email'): string {
  const checked = checkEmail(input);
  if ('email' in checked) return checked.email;
  throw AppError.badInput(`${field} ${emailReason(input, checked.problem)}`, { field });
}

/**
 * Phones (SPEC §3.1): spaces, dashes, dots and parentheses removed, then `+` and 7–15 digits.
 * Returns null when the result is not E.164. The check is syntactic on purpose.
 */
export function normalisePhone(phone: string): string | null {
  const compact = phone.trim().replace(/[\s\-.()]/g, '');
  if (!E164.test(compact)) return null;
  // libphonenumber-js drops what E.164 does not write (a national trunk "0": +44 (0)20 → +4420); a
  // number it cannot place keeps its syntactic form.
  const parsed = parsePhoneNumberFromString(compact)?.number;
  return parsed && E164.test(parsed) ? parsed : compact;
}
