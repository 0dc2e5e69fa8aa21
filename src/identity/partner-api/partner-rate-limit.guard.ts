import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { AppError } from '../../common/app-error';
import { RateLimiterService } from '../../common/rate-limiter.service';
import { APP_CONFIG, AppConfig } from '../../config/app-config';

/** The endpoint families of SPEC §4, each with its own bucket per partner (upsert + attribute delete share one). */
export type PartnerFamily =
  'partnerIdentity' | 'partnerIdentityDelete' | 'partnerUpsert' | 'partnerProfile' | 'partnerDelete';
const FAMILY_KEY = 'identity-hub:partner-family';
export const RateFamily = (family: PartnerFamily) => SetMetadata(FAMILY_KEY, family);
/** The counter of a family for a partner (the same key in process and in Redis). */
export const partnerRateKey = (family: PartnerFamily, partner: string) => `partner:${family}:${partner}`;

/**
 * Fixed-window limits per endpoint family and partner, counted in Redis when REDIS_URL is set (so every
 * instance shares them). Over the limit: 429 `{"error":"rejected: too many requests"}` with Retry-After.
 */
@Injectable()
export class PartnerRateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const family = this.reflector.get<PartnerFamily | undefined>(FAMILY_KEY, context.getHandler());
    if (!family) return true;
    const limit = this.config.rateLimits[family];
    const state = await this.limiter.hit(partnerRateKey(family, this.config.partnerName), limit);
    if (state.allowed) return true;
    void context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(state.retryAfterSeconds));
    throw AppError.tooManyRequests('rejected: too many requests', state.retryAfterSeconds);
  }
}
