import { createHash, randomBytes } from 'node:crypto';

export const CUSTOMER_TOKEN_PREFIX = 'ctok_';

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A random token of `bytes` bytes (default 32 = 256 bits), hex encoded. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}
