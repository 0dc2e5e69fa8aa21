import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { OutboxModule } from '../outbox/outbox.module';
import { AccountStore } from './account-store';
import { NostoCustomersController } from './nosto-customers.controller';
import { PrivacyResolver } from './privacy.resolver';
import { PrivacyService } from './privacy.service';

/**
 * Erasure, suppression, takeout and closing one's own account (SPEC §10), over GraphQL and Nosto's
 * customer REST paths. The identity tables' statements are identity's (PrivacyStore, ProfileStore);
 * the account tables' are AccountStore's.
 */
@Module({
  imports: [IdentityModule, OutboxModule],
  controllers: [NostoCustomersController],
  providers: [AccountStore, PrivacyService, PrivacyResolver],
})
export class PrivacyModule {}
