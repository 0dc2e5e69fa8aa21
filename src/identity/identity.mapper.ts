import { IdentityProfileEntity } from './identity.entity';
import { Identity } from './identity.model';

/** The GraphQL Identity of a profile row; its attributes, identifiers and user are field resolvers. */
export function toIdentity(entity: IdentityProfileEntity): Identity {
  return { id: entity.id, createdAt: entity.createdAt, updatedAt: entity.updatedAt, userId: entity.userId };
}
