import { dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '../common/app-error';
import EXTRA_COMMON_PASSWORDS from './common-passwords-extra.json';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 1000;

export const PASSWORD_MESSAGES = {
  tooShort: `Password must be at least ${PASSWORD_MIN} characters long`,
  tooLong: `Password must be at most ${PASSWORD_MAX} characters long`,
  common: 'This password is too common. Choose a less common password.',
};

/**
 * Common passwords, lower-cased, built once at load: the entries of at least PASSWORD_MIN characters of
 * the `passwords-common` dictionary of @zxcvbn-ts/language-common (MIT, built from public password
 * leaks; shorter ones are refused by the length rule first), and the few common ones it lacks
 * (common-passwords-extra.json: years, keyboard walks, word + digits).
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  ...dictionary['passwords-common'].filter((word) => word.length >= PASSWORD_MIN).map((word) => word.toLowerCase()),
  ...EXTRA_COMMON_PASSWORDS,
]);

/** Checks a new password: length (10..1000), then the common-password list. Throws BAD_USER_INPUT. */
export function assertPasswordAllowed(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN) throw AppError.badInput(PASSWORD_MESSAGES.tooShort, { field });
  if (password.length > PASSWORD_MAX) throw AppError.badInput(PASSWORD_MESSAGES.tooLong, { field });
  if (isCommonPassword(password)) throw AppError.badInput(PASSWORD_MESSAGES.common, { field });
}

export function isCommonPassword(password: string): boolean {
  const folded = password.toLowerCase();
  if (COMMON_PASSWORDS.has(folded)) return true;
  // One character repeated, or a run of consecutive digits/letters ("aaaaaaaaaa", "0123456789").
  if (/^(.)\1+$/.test(folded)) return true;
  return '01234567890123456789'.includes(folded) || 'abcdefghijklmnopqrstuvwxyz'.includes(folded);
}
