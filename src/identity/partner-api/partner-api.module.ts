import { Module } from '@nestjs/common';

/** the Insider-compatible REST partner API (SPEC §4) */
@Module({})
export class PartnerApiModule {}
