import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LocalCache } from '../common/local-cache';
import { RedisService } from '../common/redis.module';
import { Actor } from './actor';

/**
 * token hash → Actor, kept briefly in process so a credential check costs no query. Anything that
 * revokes or changes a credential calls `invalidate*`; with Redis the invalidation is published to
 * every instance, so a revoked token stops working everywhere at once.
 */
@Injectable()
export class CredentialCacheService implements OnModuleInit {
  private readonly cache: LocalCache<Actor>;

  constructor(@Inject(APP_CONFIG) config: AppConfig, redis: RedisService) {
    this.cache = new LocalCache<Actor>(redis, 'credentials', {
      ttlMs: config.credentialCacheMs,
      maxEntries: 50_000,
      apply: (message) => this.apply(message),
    });
  }

  onModuleInit() {
    return this.cache.listen();
  }

  get(tokenHash: string): Actor | undefined {
    return this.cache.get(tokenHash);
  }

  /**
   * Bumped by every invalidation. A lookup reads it before its query and passes it to `set`: when an
   * invalidation happened meanwhile (a revoke committed while the lookup was reading), nothing is cached,
   * so a revoked credential cannot be put back.
   */
  get epoch(): number {
    return this.cache.epoch;
  }

  set(tokenHash: string, actor: Actor, notAfter?: Date, epoch = this.epoch): void {
    this.cache.set(tokenHash, actor, { notAfter, epoch });
  }

  /** Forget one credential, on every instance. */
  invalidateToken(tokenHash: string): Promise<void> {
    return this.cache.invalidate(`token:${tokenHash}`);
  }

  /** Forget every credential of a user (sessions and customer token), on every instance. */
  invalidateUser(userId: string): Promise<void> {
    return this.cache.invalidate(`user:${userId}`);
  }

  /** Forget everything (a role's permissions changed), on every instance. */
  invalidateAll(): Promise<void> {
    return this.cache.invalidate('all');
  }

  private apply(message: string) {
    if (message === 'all') this.cache.clear();
    else if (message.startsWith('token:')) this.cache.delete(message.slice(6));
    else if (message.startsWith('user:')) {
      const userId = message.slice(5);
      this.cache.deleteWhere((actor) => actor.userId === userId);
    }
  }
}
