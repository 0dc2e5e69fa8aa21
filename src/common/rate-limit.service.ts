import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError } from './app-error';
import type { RateLimitStorage } from './throttler-storage';

/** Every limit of the service, by its name in `AppConfig.rateLimits` (and the name of its throttler). */
export type RateLimitName = keyof AppConfig['rateLimits'];

const PARTNER_LIMITED = () => 'rejected: too many requests';

/** What a refused attempt is told (code TOO_MANY_REQUESTS; the partner API answers Insider's body). */
export const RATE_LIMIT_MESSAGES: Record<RateLimitName, (seconds: number) => string> = {
  signInPerEmail: (s) => `Too many failed sign-in attempts. Try again in ${s} seconds.`,
  signInPerAddress: (s) => `Too many failed sign-in attempts. Try again in ${s} seconds.`,
  registerPerAddress: (s) => `Too many registrations from this address. Try again in ${s} seconds.`,
  passwordChangePerUser: (s) => `Too many wrong old passwords. Try again in ${s} seconds.`,
  emailChangePerUser: (s) => `Too many email changes. Try again in ${s} seconds.`,
  passwordResetPerEmail: (s) => `Too many password reset links for this email. Try again in ${s} seconds.`,
  passwordResetPerAddress: (s) => `Too many password reset requests from this address. Try again in ${s} seconds.`,
  emailVerificationPerUser: (s) => `Too many verification mails. Try again in ${s} seconds.`,
  partnerIdentity: PARTNER_LIMITED,
  partnerIdentityDelete: PARTNER_LIMITED,
  partnerUpsert: PARTNER_LIMITED,
  partnerProfile: PARTNER_LIMITED,
  partnerDelete: PARTNER_LIMITED,
  partnerAnonymize: PARTNER_LIMITED,
  partnerMetadata: PARTNER_LIMITED,
};

/** The storage key of a limit for one tracker (an address, a partner, a user id, an email's hash). */
export const rateLimitKey = (name: string, tracker: string) => `${name}:${tracker}`;

export function tooManyRequests(name: RateLimitName, retryAfterSeconds: number): AppError {
  return AppError.tooManyRequests(RATE_LIMIT_MESSAGES[name](retryAfterSeconds), retryAfterSeconds);
}

/**
 * The limits keyed by request data a guard does not see (an email, the signed-in user), over the
 * throttler's storage: the same counters, windows and Redis keys as the throttler guards.
 */
@Injectable()
export class RateLimitService {
  constructor(
    @InjectThrottlerStorage() private readonly storage: RateLimitStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts one attempt, before the work; over the limit it throws TOO_MANY_REQUESTS with the limit's message. */
  async consume(name: RateLimitName, tracker: string): Promise<void> {
    const { limit, ttlMs } = this.config.rateLimits[name];
    const state = await this.storage.increment(rateLimitKey(name, tracker), ttlMs, limit, 0, name);
    if (state.isBlocked) throw tooManyRequests(name, state.timeToBlockExpire);
  }

  /** Forgets the attempts counted so far (a success proved the owner). */
  reset(name: RateLimitName, tracker: string): Promise<void> {
    return this.storage.reset(rateLimitKey(name, tracker));
  }

  /** The attempts counted in the current window. */
  used(name: RateLimitName, tracker: string): Promise<number> {
    return this.storage.peek(rateLimitKey(name, tracker));
  }
}
