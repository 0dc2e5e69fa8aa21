import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerOptions } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitName, tooManyRequests } from './rate-limit.service';

const RATE_LIMIT_KEY = 'identity-hub:rate-limit';

/** The named throttler (a `RATE_LIMIT_*` limit) that guards this handler when it uses `RateLimitGuard`. */
export const RateLimit = (name: RateLimitName) => SetMetadata(RATE_LIMIT_KEY, name);

/**
 * `@nestjs/throttler`'s guard for the limits a request shows by itself (the client address, the partner):
 * each handler names its one throttler with `@RateLimit(name)`, and only that one is counted — one
 * atomic increment in the shared storage, before the handler (and, for GraphQL, per aliased field).
 * Works on REST and GraphQL; over the limit it throws the limit's TOO_MANY_REQUESTS (with `Retry-After`
 * on REST).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly byName = new Map<string, ThrottlerOptions>();

  override async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    for (const throttler of this.throttlers) this.byName.set(throttler.name!, throttler);
  }

  /** Only the handler's own throttler: the others are not looked at (this runs on hot paths). */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const name = this.limitOf(context);
    if (!name) return true;
    const throttler = this.byName.get(name);
    if (!throttler) throw new Error(`No throttler is configured for the rate limit "${name}"`);
    return this.handleRequest({
      context,
      limit: throttler.limit as number,
      ttl: throttler.ttl as number,
      blockDuration: 0,
      throttler,
      getTracker: throttler.getTracker ?? this.commonOptions.getTracker!,
      generateKey: throttler.generateKey ?? this.commonOptions.generateKey!,
    });
  }

  /** The Fastify request (its `ip` is the tracker of the per-address limits) on REST and GraphQL alike. */
  protected override getRequestResponse(context: ExecutionContext): ReturnType<ThrottlerGuard['getRequestResponse']> {
    if (context.getType<string>() === 'graphql') {
      const { req, reply } = GqlExecutionContext.create(context).getContext<{
        req: FastifyRequest;
        reply: FastifyReply;
      }>();
      return { req: req as unknown as Record<string, unknown>, res: reply as unknown as Record<string, unknown> };
    }
    return super.getRequestResponse(context);
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = detail.timeToBlockExpire;
    if (context.getType<string>() === 'http') {
      void context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(seconds));
    }
    throw tooManyRequests(this.limitOf(context)!, seconds);
  }

  private limitOf(context: ExecutionContext): RateLimitName | undefined {
    return this.reflector.get<RateLimitName | undefined>(RATE_LIMIT_KEY, context.getHandler());
  }
}
