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
import { IdentityLocator } from './identity-locator';
import { IdentityMergeResolver } from './merge.resolver';
import { IdentityMergeService } from './merge.service';
import { MergeStore } from './merge-store';
import { PrivacyStore } from './privacy-store';
import { ProfileStore } from './profile-store';
import { SegmentCounts } from './segment-counts';
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
    MergeStore,
    PrivacyStore,
    IdentityLocator,
    IdentityMergeService,
    IdentityMergeResolver,
    IdentityService,
    IdentitySettingsService,
    AccountLinkService,
    IdentityResolver,
    UserIdentityResolver,
    IdentitySettingsResolver,
    TableStatistics,
    SegmentCounts,
  ],
  exports: [
    ProfileStore,
    MergeStore,
    PrivacyStore,
    IdentityLocator,
    IdentityMergeService,
    IdentityService,
    IdentitySettingsService,
    TableStatistics,
    SegmentCounts,
  ],
})
export class IdentityModule {}
