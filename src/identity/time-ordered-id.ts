import { randomFillSync } from 'node:crypto';

/**
 * Ids of the identity tables' rows (profiles, identifiers, events): UUID version 7 (RFC 9562), the
 * Unix time in milliseconds in the first 48 bits, then a 12-bit counter (method 1 of RFC 9562 §6.2) and
 * 62 random bits. They are UUIDs like every other id, and two things follow from the order:
 *
 * - Segments (`identities`) are listed by profile id, so keyset paging (`after`) walks the
 *   (key, value_key, profile_id) index in order; with time-ordered ids that order is the order of
 *   creation (profiles created before these ids existed have random v4 ids and sort among them).
 * - New rows land at the right edge of their primary key (and `(profile_id, …)`) indexes instead of on a
 *   random page of an index of millions, so a bulk insert touches few pages.
 *
 * Within one process ids are strictly increasing: in the same millisecond the counter goes up, and when
 * the clock goes back the last time is kept (the counter carries into it when it overflows).
 */
const COUNTER_MAX = 0xfff;
const POOL_IDS = 256;
const RANDOM_BYTES = 10;

let lastMs = -1;
let counter = 0;
const pool = Buffer.alloc(POOL_IDS * RANDOM_BYTES);
let poolOffset = pool.length;

function randomBytes(): Buffer {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
  return bytes;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A new time-ordered id (UUIDv7 text, lower case), greater than every id this process made before. */
export function timeOrderedId(now: number = Date.now()): string {
  const random = randomBytes();
  let ms = Math.max(0, Math.floor(now));
  if (ms <= lastMs) {
    ms = lastMs;
    if (++counter > COUNTER_MAX) {
      ms++;
      counter = 0;
    }
  } else {
    counter = ((random[0] << 8) | random[1]) & 0x3ff; // a random start with room to count up in the same millisecond
  }
  lastMs = ms;
  const bytes = new Uint8Array(16);
  // 48-bit big-endian milliseconds (beyond 32 bits, plain arithmetic: bit operators are 32-bit)
  const high = Math.floor(ms / 0x1000000);
  const low = ms % 0x1000000;
  bytes[0] = (high >>> 16) & 0xff;
  bytes[1] = (high >>> 8) & 0xff;
  bytes[2] = high & 0xff;
  bytes[3] = (low >>> 16) & 0xff;
  bytes[4] = (low >>> 8) & 0xff;
  bytes[5] = low & 0xff;
  bytes[6] = 0x70 | (counter >>> 8); // version 7, counter bits 11–8
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (random[2] & 0x3f); // variant 10
  for (let i = 9; i < 16; i++) bytes[i] = random[i - 6];
  let text = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text += '-';
    text += HEX[bytes[i]];
  }
  return text;
}
