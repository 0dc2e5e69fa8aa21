import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** Input normalisers shared by every API. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/** Emails: trimmed and lower-cased (so uniqueness is case-insensitive on both engines). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A syntactic email check (one @, a dot in the domain, no spaces, at most 254 characters). */
export function isEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);
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
