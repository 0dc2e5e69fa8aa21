import { AuditEventEntity } from '../audit/audit-event.entity';
import { AccountTokenEntity } from '../auth/account-token.entity';
import { AddressEntity } from '../address/address.entity';
import { CountryEntity } from '../address/country.entity';
import { ApiTokenEntity } from '../auth/api-token.entity';
import { SessionEntity } from '../auth/session.entity';
import { CustomerGroupEntity, CustomerGroupUserEntity } from '../customer-group/customer-group.entity';
import {
  IdentityAliasEntity,
  IdentityAttributeEntity,
  IdentityErasureEntity,
  IdentityMergeEntity,
  IdentityMergeProfileEntity,
  IdentitySuppressionEntity,
  IdentityCatalogueEntity,
  IdentityEventEntity,
  IdentityIdentifierEntity,
  IdentityProfileEntity,
  IdentitySettingsEntity,
} from '../identity/identity.entity';
import { OutboxEntity } from '../outbox/outbox.entity';
import { RoleEntity } from '../user/role.entity';
import { UserEntity } from '../user/user.entity';
import { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity';

/** Every entity of the model; the data source and the schema-drift test use this one list. */
export const ENTITIES = [
  RoleEntity,
  UserEntity,
  SessionEntity,
  AccountTokenEntity,
  ApiTokenEntity,
  CountryEntity,
  AddressEntity,
  CustomerGroupEntity,
  CustomerGroupUserEntity,
  IdentityProfileEntity,
  IdentityIdentifierEntity,
  IdentityAttributeEntity,
  IdentityEventEntity,
  IdentitySettingsEntity,
  IdentityCatalogueEntity,
  IdentityAliasEntity,
  IdentityMergeEntity,
  IdentityMergeProfileEntity,
  IdentitySuppressionEntity,
  IdentityErasureEntity,
  OutboxEntity,
  AuditEventEntity,
  WebhookEndpointEntity,
];
