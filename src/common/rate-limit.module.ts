import { Global, Module } from '@nestjs/common';
import { ThrottlerModule, ThrottlerOptions } from '@nestjs/throttler';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimitName, RateLimitService, rateLimitKey } from './rate-limit.service';
import { RedisService } from './redis.module';
import { MetricsService } from './metrics.service';
import { CountingThrottlerStorage, MemoryThrottlerStorage, RedisThrottlerStorage } from './throttler-storage';

/** The limits counted by `RateLimitGuard` (rate-limit.guard.ts) per client address (the throttler's default tracker). */
const PER_ADDRESS: RateLimitName[] = ['signInPerAddress', 'registerPerAddress', 'passwordResetPerAddress'];
/** The partner API families (SPEC §4), counted per partner. */
const PER_PARTNER: RateLimitName[] = [
  'partnerIdentity',
  'partnerIdentityDelete',
  'partnerUpsert',
  'partnerProfile',
  'partnerDelete',
  'partnerAnonymize',
  'partnerMetadata',
];

/**
 * Every rate limit goes through `@nestjs/throttler` with one storage: in process, or Redis when REDIS_URL
 * is set. Named throttlers for what a guard can see (`RateLimitGuard` + `@RateLimit(name)`), and
 * `RateLimitService` over the same storage for limits keyed by request data (an email, the user).
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, RedisService, MetricsService],
      useFactory: (config: AppConfig, redis: RedisService, metrics: MetricsService) => {
        const throttler = (name: RateLimitName): ThrottlerOptions => ({
          name,
          limit: config.rateLimits[name].limit,
          ttl: config.rateLimits[name].ttlMs,
          blockDuration: 0,
        });
        return {
          // Rejections are counted for /metrics; while Redis is down a limited operation is a 503 naming Redis.
          storage: new CountingThrottlerStorage(
            redis.client
              ? new RedisThrottlerStorage(redis.client, (op) => redis.run(op))
              : new MemoryThrottlerStorage(),
            (name) => metrics.rateLimitRejected(name),
          ),
          setHeaders: false, // 429 carries Retry-After (RateLimitGuard); no X-RateLimit-* on every answer
          generateKey: (_context, tracker, name) => rateLimitKey(name, tracker),
          throttlers: [
            ...PER_ADDRESS.map(throttler),
            ...PER_PARTNER.map((name) => ({ ...throttler(name), getTracker: () => config.partnerName })),
          ],
        };
      },
    }),
  ],
  providers: [RateLimitService],
  exports: [RateLimitService],
})
export class RateLimitModule {}
