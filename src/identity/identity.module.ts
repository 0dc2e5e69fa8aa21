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
import { IdentitySettingsResolver } from './identity-settings.resolver';
import { IdentitySettingsService } from './identity-settings.service';
import { IdentityResolver, UserIdentityResolver } from './identity.resolver';
import { IdentityService } from './identity.service';
import { ProfileStore } from './profile-store';
import { TableStatistics } from './table-statistics';

/**
 * Identity profiles: every SQL statement on their tables (ProfileStore), the Nosto-compatible GraphQL API
 * (SPEC §3.4), the identity settings every API obeys, and the account link (a listener of AccountHooks).
 */
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
  providers: [
    ProfileStore,
    IdentityService,
    IdentitySettingsService,
    AccountLinkService,
    IdentityResolver,
    UserIdentityResolver,
    IdentitySettingsResolver,
    TableStatistics,
  ],
  exports: [ProfileStore, IdentityService, IdentitySettingsService, TableStatistics],
})
export class IdentityModule {}
