import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RedisService } from '../common/redis.module';
import { Actor } from './actor';

const CHANNEL = 'identity-hub:credential-invalidate';

/**
 * token hash → Actor, kept briefly in process so a credential check costs no query. Anything that
 * revokes or changes a credential calls `invalidate*`; with Redis the invalidation is published to
 * every instance, so a revoked token stops working everywhere at once.
 */
@Injectable()
export class CredentialCacheService implements OnModuleInit {
  private readonly entries = new Map<string, { actor: Actor; expiresAt: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {}

  async onModuleInit() {
    await this.redis.subscribe(CHANNEL, (message) => this.apply(message));
  }

  get(tokenHash: string): Actor | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.actor;
  }

  /**
   * Bumped by every invalidation. A lookup reads it before its query and passes it to `set`: when an
   * invalidation happened meanwhile (a revoke committed while the lookup was reading), nothing is cached,
   * so a revoked credential cannot be put back.
   */
  epoch = 0;

  set(tokenHash: string, actor: Actor, notAfter?: Date, epoch = this.epoch): void {
    if (this.config.credentialCacheMs <= 0 || epoch !== this.epoch) return;
    let expiresAt = Date.now() + this.config.credentialCacheMs;
    if (notAfter) expiresAt = Math.min(expiresAt, notAfter.getTime());
    if (this.entries.size > 50_000) this.entries.clear();
    this.entries.set(tokenHash, { actor, expiresAt });
  }

  /** Forget one credential, on every instance. */
  invalidateToken(tokenHash: string): Promise<void> {
    return this.broadcast(`token:${tokenHash}`);
  }

  /** Forget every credential of a user (sessions and customer token), on every instance. */
  invalidateUser(userId: string): Promise<void> {
    return this.broadcast(`user:${userId}`);
  }

  /** Forget everything (a role's permissions changed), on every instance. */
  invalidateAll(): Promise<void> {
    return this.broadcast('all');
  }

  private async broadcast(message: string) {
    this.apply(message);
    await this.redis.publish(CHANNEL, message);
  }

  private apply(message: string) {
    this.epoch++;
    if (message === 'all') return this.entries.clear();
    if (message.startsWith('token:')) {
      this.entries.delete(message.slice(6));
      return;
    }
    if (message.startsWith('user:')) {
      const userId = message.slice(5);
      for (const [key, entry] of this.entries) if (entry.actor.userId === userId) this.entries.delete(key);
    }
  }
}
