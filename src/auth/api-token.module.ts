import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiTokenEntity } from './api-token.entity';
import { ApiTokenResolver } from './api-token.resolver';
import { ApiTokenService } from './api-token.service';

/** API tokens for integrations (SPEC §2). */
@Module({
  imports: [TypeOrmModule.forFeature([ApiTokenEntity])],
  providers: [ApiTokenService, ApiTokenResolver],
  exports: [ApiTokenService],
})
export class ApiTokenModule {}
