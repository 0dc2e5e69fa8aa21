import { createHash, randomBytes } from 'node:crypto';

export const CUSTOMER_TOKEN_PREFIX = 'ctok_';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A random token of `bytes` bytes (default 32 = 256 bits), hex encoded. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

/** A random token of 32 bytes (256 bits), base64url (43 characters: safe in a URL as it is). */
export function urlSafeToken(): string {
  return randomBytes(32).toString('base64url');
}
