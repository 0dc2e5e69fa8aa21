import { Module } from '@nestjs/common';

/** identity profiles and settings; the Nosto-compatible GraphQL API (SPEC §3.4, §4) */
@Module({})
export class IdentityModule {}
