import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits; ids sort by creation time. Built
 * from `randomUUID()` (Node caches random data for 128 UUIDs at a time, so most ids cost no call
 * into the random generator, unlike `randomBytes(16)`), with the time written over its first 48 bits and the version set to 7.
 */
export function timeOrderedId(now = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx, y in 8..b (the RFC variant)
  const time = now.toString(16).padStart(12, '0').slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
