import { Transform } from 'class-transformer';
import { trimSpace } from './normalise';

/** A string trimmed, null when nothing is left; other values as they are. */
export function trimToNull(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * Trims a string input before it is validated (so length limits apply to what is stored); a string
 * that is empty once trimmed becomes null. Other values pass through for the validators to judge.
 */
export const TrimToNull = () => Transform(({ value }: { value: unknown }) => trimToNull(value));

/** Trims a string input before it is validated; other values pass through. */
export const Trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Trims white space (not a byte-order mark: see trimSpace) from an email before it is validated. */
export const TrimEmail = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? trimSpace(value) : value));
