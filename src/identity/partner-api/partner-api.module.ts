import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { IdentityModule } from '../identity.module';
import { IdentitySettingsResolver } from '../identity-settings.resolver';
import { IdentitySettingsService } from '../identity-settings.service';
import { PARTNER_API_PREFIX, PARTNER_BODIES } from './partner-errors';
import { PartnerRateLimitGuard } from './partner-rate-limit.guard';
import { PartnerController } from './partner.controller';
import { PartnerService } from './partner.service';

/** The Insider-compatible REST partner API (SPEC §4) and the identity settings it obeys. */
@Module({
  imports: [IdentityModule],
  controllers: [PartnerController],
  providers: [PartnerService, PartnerRateLimitGuard, IdentitySettingsService, IdentitySettingsResolver],
})
export class PartnerApiModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The partner name is checked first, before the body is read and before the token. */
  onModuleInit() {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      if (request.url.startsWith(PARTNER_API_PREFIX) && request.headers['x-partner-name'] !== this.config.partnerName) {
        void reply.status(400).send(PARTNER_BODIES.partnerInvalid);
        return;
      }
      done();
    });
  }
}
