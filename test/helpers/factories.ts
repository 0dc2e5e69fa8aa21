import { AddressEntity } from '../../src/address/address.entity';
import { PasswordHasher } from '../../src/auth/password-hasher';
import { ApiTokenEntity } from '../../src/auth/api-token.entity';
import { SessionEntity } from '../../src/auth/session.entity';
import { ALL_PERMISSIONS, Permission } from '../../src/auth/permissions';
import { CUSTOMER_TOKEN_PREFIX, randomToken, sha256 } from '../../src/auth/tokens';
import { newId } from '../../src/database/columns';
import { RoleEntity } from '../../src/user/role.entity';
import { UserEntity } from '../../src/user/user.entity';
import { TestApp } from './test-app';

/**
 * Test data written straight to the database (for setting the scene; the behaviour under test goes
 * through the API). Tokens are stored as the service stores them: SHA-256 only.
 */
let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export interface SeededUser {
  user: UserEntity;
  /** a session bearer token for the user */
  token: string;
  password?: string;
}

export async function seedRole(
  t: TestApp,
  permissions: Permission[] | 'all',
  name = `role-${unique()}`,
): Promise<RoleEntity> {
  const grants = permissions === 'all' ? ALL_PERMISSIONS : permissions;
  const role = t.dataSource.getRepository(RoleEntity).create({
    id: newId(),
    name,
    canReadUsers: grants.includes(Permission.CanReadUsers),
    canManageUsers: grants.includes(Permission.CanManageUsers),
    canManageIdentities: grants.includes(Permission.CanManageIdentities),
    canManageApiTokens: grants.includes(Permission.CanManageApiTokens),
    canManageRoles: grants.includes(Permission.CanManageRoles),
    canReadAudit: grants.includes(Permission.CanReadAudit),
    canManageWebhooks: grants.includes(Permission.CanManageWebhooks),
  });
  return t.dataSource.getRepository(RoleEntity).save(role);
}

/** A user with a session. `permissions: 'all'` makes an admin; none makes a customer. */
export async function seedUser(
  t: TestApp,
  options: {
    email?: string;
    name?: string;
    password?: string;
    permissions?: Permission[] | 'all';
    role?: RoleEntity;
  } = {},
): Promise<SeededUser> {
  const role = options.role ?? (options.permissions ? await seedRole(t, options.permissions) : null);
  const password = options.password;
  const user = t.dataSource.getRepository(UserEntity).create({
    id: newId(),
    name: options.name ?? 'Test User',
    email: (options.email ?? `user-${unique()}@example.com`).toLowerCase(),
    passwordHash: password ? await t.app.get(PasswordHasher).hash(password) : null,
    roleId: role?.id ?? null,
  });
  await t.dataSource.getRepository(UserEntity).save(user);
  const token = await seedSession(t, user.id);
  return { user, token, password };
}

/** `count` addresses for a user straight into the table, a millisecond apart; the first one billing if asked. */
export async function seedAddresses(
  t: TestApp,
  userId: string,
  count: number,
  options: { billingFirst?: boolean } = {},
): Promise<void> {
  const now = Date.now();
  await t.dataSource.getRepository(AddressEntity).insert(
    Array.from({ length: count }, (_, i) => ({
      id: newId(),
      userId,
      address1: `Street ${i}`,
      isBilling: options.billingFirst === true && i === 0,
      createdAt: new Date(now + i),
      updatedAt: new Date(now + i),
    })),
  );
}

/** A new session for the user; returns the bearer token. */
export async function seedSession(t: TestApp, userId: string): Promise<string> {
  const token = randomToken();
  await t.dataSource.getRepository(SessionEntity).insert({
    id: newId(),
    tokenHash: sha256(token),
    userId,
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return token;
}

/** Sets a customer token (ctok_…) on the user; returns it. */
export async function seedCustomerToken(t: TestApp, userId: string): Promise<string> {
  const token = `${CUSTOMER_TOKEN_PREFIX}${randomToken()}`;
  await t.dataSource
    .getRepository(UserEntity)
    .update({ id: userId }, { customerTokenHash: sha256(token), tokenGeneratedAt: new Date() });
  return token;
}

/** An API token with the given scopes; returns the plaintext token and its row. */
export async function seedApiToken(
  t: TestApp,
  scopes: string[],
  name = `token-${unique()}`,
): Promise<{ token: string; row: ApiTokenEntity }> {
  const token = randomToken();
  const row = t.dataSource
    .getRepository(ApiTokenEntity)
    .create({ id: newId(), name, scopes, tokenHash: sha256(token), lastUsedAt: null, revokedAt: null });
  await t.dataSource.getRepository(ApiTokenEntity).save(row);
  return { token, row };
}
