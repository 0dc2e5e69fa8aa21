import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../mail/mail.module';
import { RoleEntity } from '../user/role.entity';
import { UserEntity } from '../user/user.entity';
import { UserModule } from '../user/user.module';
import { AccountTokenEntity } from './account-token.entity';
import { AccountTokenStore } from './account-token.store';
import { AccountPagesController } from './account-pages.controller';
import { ApiTokenEntity } from './api-token.entity';
import { AuthGuard } from './auth.guard';
import { AuthResolver } from './auth.resolver';
import { AuthService } from './auth.service';
import { CredentialCacheService } from './credential-cache.service';
import { CredentialService } from './credential.service';
import { PasswordHasher } from './password-hasher';
import { SessionEntity } from './session.entity';
import { SessionStore } from './session-store';
import { SessionService } from './session.service';
import { SessionsResolver } from './sessions.resolver';

/**
 * Who is calling and how they prove it (SPEC §2, §7): the global guard, credentials and their cache,
 * sessions, sign-in, password change and reset, customer tokens, email verification, and the account
 * pages that reset a password or verify an address. Global, because every module's resolvers are
 * guarded and some services end sessions, clear cached credentials or ask for a verification mail.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([SessionEntity, UserEntity, RoleEntity, ApiTokenEntity, AccountTokenEntity]),
    MailModule,
    UserModule, // AccountHooks: a verified email links the account to its profile
  ],
  controllers: [AccountPagesController],
  providers: [
    CredentialCacheService,
    CredentialService,
    PasswordHasher,
    SessionStore,
    SessionService,
    SessionsResolver,
    AccountTokenStore,
    AuthService,
    AuthResolver,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [CredentialCacheService, CredentialService, PasswordHasher, SessionService, AuthService],
})
export class AuthModule {}
