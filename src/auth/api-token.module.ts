import { Module } from '@nestjs/common';

/** API tokens for integrations (SPEC §2) */
@Module({})
export class ApiTokenModule {}
