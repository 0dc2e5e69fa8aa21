import { Injectable } from '@nestjs/common';
import { RateLimit, RateLimitGuard } from '../../common/rate-limit.guard';

/** The endpoint families of SPEC §4, each with its own bucket per partner (upsert + attribute delete share one). */
export type PartnerFamily =
  | 'partnerIdentity'
  | 'partnerIdentityDelete'
  | 'partnerUpsert'
  | 'partnerProfile'
  | 'partnerDelete'
  | 'partnerAnonymize'
  | 'partnerMetadata';
/** The family (a named throttler, `RATE_LIMIT_PARTNER_*`) whose bucket a partner endpoint counts against. */
export const RateFamily = (family: PartnerFamily) => RateLimit(family);

/**
 * The partner families on `@nestjs/throttler`: a fixed window per family and partner, counted before the
 * body is read, in Redis when REDIS_URL is set (so every instance shares them). Over the limit: 429
 * `{"error":"rejected: too many requests"}` with Retry-After (the message of RATE_LIMIT_MESSAGES, the
 * body of the partner error mapping).
 */
@Injectable()
export class PartnerRateLimitGuard extends RateLimitGuard {}
