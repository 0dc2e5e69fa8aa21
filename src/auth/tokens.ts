import { hash, randomBytes } from 'node:crypto';

export const CUSTOMER_TOKEN_PREFIX = 'ctok_';

/**
 * The SHA-256 of a string (UTF-8), hex. Node's one-shot `hash` (Node ≥ 20.12): ~0.35 µs against ~0.8 µs
 * for `createHash().update().digest()`, which builds a Hash object each time. It runs for every
 * credential a request brings and for every attribute value and new identifier a /upsert writes.
 */
export function sha256(value: string): string {
  return hash('sha256', value, 'hex');
}

/** A random token of `bytes` bytes (default 32 = 256 bits), hex encoded. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

/** A random token of 32 bytes (256 bits), base64url (43 characters: safe in a URL as it is). */
export function urlSafeToken(): string {
  return randomBytes(32).toString('base64url');
}
