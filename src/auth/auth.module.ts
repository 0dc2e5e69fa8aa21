import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoleEntity } from '../user/role.entity';
import { UserEntity } from '../user/user.entity';
import { ApiTokenEntity } from './api-token.entity';
import { AuthGuard } from './auth.guard';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { CredentialCacheService } from './credential-cache.service';
import { CredentialService } from './credential.service';
import { PasswordHasher } from './password-hasher';
import { SessionEntity } from './session.entity';
import { SessionService } from './session.service';

/**
 * Who is calling and how they prove it (SPEC §2): the global guard, credentials and their cache,
 * sessions, sign-in, password change and customer tokens. Global, because every module's resolvers are
 * guarded and some services end sessions or clear cached credentials.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity, UserEntity, RoleEntity, ApiTokenEntity])],
  providers: [
    CredentialCacheService,
    CredentialService,
    PasswordHasher,
    SessionService,
    AuthService,
    AuthResolver,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [CredentialCacheService, CredentialService, PasswordHasher, SessionService],
})
export class AuthModule {}
