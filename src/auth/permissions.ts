/** Role permissions (SPEC §2). */
export enum Permission {
  CanReadUsers = 'canReadUsers',
  CanManageUsers = 'canManageUsers',
  CanManageIdentities = 'canManageIdentities',
  CanManageApiTokens = 'canManageApiTokens',
  CanManageRoles = 'canManageRoles',
  /** the audit trail (SPEC §9): auditEvents, User.history */
  CanReadAudit = 'canReadAudit',
  /** webhook endpoints and their deliveries (SPEC §9) */
  CanManageWebhooks = 'canManageWebhooks',
}
export const ALL_PERMISSIONS = Object.values(Permission);

/** API token scopes (SPEC §2). */
export enum Scope {
  IdentitiesRead = 'identities:read',
  IdentitiesWrite = 'identities:write',
  Gdpr = 'gdpr',
}
export const ALL_SCOPES = Object.values(Scope);

/**
 * What an operation may be called by. `Authenticated` is any signed-in user (session or customer token);
 * `Customer` is a signed-in user acting on their own account where a customer token is also accepted;
 * `SessionOnly` excludes customer tokens (password, email and token changes).
 */
export enum Access {
  Authenticated = 'authenticated',
  SessionOnly = 'session-only',
}

export type Requirement = Permission | Scope | Access;
