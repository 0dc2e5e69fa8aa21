import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ErrorFormats } from '../../common/error-formats';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { IdentityModule } from '../identity.module';
import { badRequestBody, PARTNER_API_PREFIX, PARTNER_BODIES, partnerErrorBody } from './partner-errors';
import { PartnerRateLimitGuard } from './partner-rate-limit.guard';
import { PartnerController, PartnerMetadataController } from './partner.controller';
import { IdentityExportService } from './identity-export.service';
import { IdentityImportService } from './identity-import.service';
import { IdentifierChanges } from './identifier-changes';
import { PartnerService } from './partner.service';
import { UpsertWriter } from './upsert-writer';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** The Insider-compatible REST partner API (SPEC §4), which obeys the identity settings of IdentityModule, and its bulk import and export. */
@Module({
  imports: [IdentityModule],
  controllers: [PartnerController, PartnerMetadataController],
  providers: [
    PartnerService,
    IdentifierChanges,
    UpsertWriter,
    PartnerRateLimitGuard,
    // the bulk import and export of the CLI (identities:import / identities:export): /upsert's rules, in files
    IdentityImportService,
    IdentityExportService,
  ],
})
export class PartnerApiModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly errorFormats: ErrorFormats,
  ) {}

  /**
   * Errors on the partner routes are answered with Insider's bodies (the format registered here). The
   * partner name is checked first, before the body is read and before the token; then the content type
   * (the partner API takes JSON only, though the platform also parses forms).
   */
  onModuleInit() {
    this.errorFormats.register(PARTNER_API_PREFIX, partnerErrorBody);
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', (request, reply, done) => {
      if (!request.url.startsWith(PARTNER_API_PREFIX)) return done();
      if (request.headers['x-partner-name'] !== this.config.partnerName) {
        void reply.status(400).send(PARTNER_BODIES.partnerInvalid);
        return;
      }
      const type = request.headers['content-type'];
      if (type !== undefined && !JSON_TYPE.test(type)) {
        void reply.status(400).send(badRequestBody('content type must be application/json'));
        return;
      }
      done();
    });
  }
}
