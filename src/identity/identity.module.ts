import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserModule } from '../user/user.module';
import { AccountLinkService } from './account-link.service';
import {
  IdentityAttributeEntity,
  IdentityEventEntity,
  IdentityIdentifierEntity,
  IdentityProfileEntity,
  IdentitySettingsEntity,
} from './identity.entity';
import { IdentityResolver, UserIdentityResolver } from './identity.resolver';
import { IdentityService } from './identity.service';
import { ProfileStore } from './profile-store';

/** Identity profiles; the Nosto-compatible GraphQL API (SPEC §3.4) and the account link. */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      IdentityProfileEntity,
      IdentityIdentifierEntity,
      IdentityAttributeEntity,
      IdentityEventEntity,
      IdentitySettingsEntity,
    ]),
    UserModule,
  ],
  providers: [ProfileStore, IdentityService, AccountLinkService, IdentityResolver, UserIdentityResolver],
  exports: [ProfileStore, IdentityService, TypeOrmModule],
})
export class IdentityModule {}
