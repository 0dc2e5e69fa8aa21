import { RoleEntity } from './role.entity';
import { Role, User } from './user.model';
import { UserEntity } from './user.entity';

/** Entity → GraphQL output. Secrets (password hash, customer token hash) are never copied. */
export function toUser(entity: UserEntity): User {
  return {
    id: entity.id,
    name: entity.name,
    email: entity.email,
    emailVerified: entity.emailVerified,
    phone: entity.phone,
    hasAccount: entity.passwordHash !== null && entity.passwordHash !== undefined,
    onboardingStatus: entity.onboardingStatus,
    orderWebhookUrl: entity.orderWebhookUrl,
    tokenGeneratedAt: entity.tokenGeneratedAt,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
    roleId: entity.roleId,
  };
}

export function toRole(entity: RoleEntity): Role {
  return {
    id: entity.id,
    name: entity.name,
    canReadUsers: entity.canReadUsers,
    canManageUsers: entity.canManageUsers,
    canManageIdentities: entity.canManageIdentities,
    canManageApiTokens: entity.canManageApiTokens,
    canManageRoles: entity.canManageRoles,
    canReadAudit: entity.canReadAudit,
    canManageWebhooks: entity.canManageWebhooks,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}
