import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoleEntity } from '../user/role.entity';
import { AccountHooks } from '../user/account-hooks';
import { UserEntity } from '../user/user.entity';
import { ApiTokenEntity } from './api-token.entity';
import { AuthGuard } from './auth.guard';
import { CredentialCacheService } from './credential-cache.service';
import { CredentialService } from './credential.service';
import { PasswordHasher } from './password-hasher';
import { SessionEntity } from './session.entity';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity, UserEntity, RoleEntity, ApiTokenEntity])],
  providers: [
    CredentialCacheService,
    CredentialService,
    PasswordHasher,
    AccountHooks,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [CredentialCacheService, CredentialService, PasswordHasher, AccountHooks],
})
export class AuthModule {}
