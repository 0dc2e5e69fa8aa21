import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, EntityMetadata, In, Repository, SelectQueryBuilder } from 'typeorm';
import { AddressService } from '../address/address.service';
import { Actor } from '../auth/actor';
import { AuthService } from '../auth/auth.service';
import { CredentialCacheService } from '../auth/credential-cache.service';
import { PasswordHasher } from '../auth/password-hasher';
import { assertPasswordAllowed } from '../auth/password-policy';
import { Permission } from '../auth/permissions';
import { SessionService } from '../auth/session.service';
import { diff } from '../audit/audit-fields';
import { insertAuditJson } from '../audit/audit-store';
import { AuditService } from '../audit/audit.service';
import { AppError, isUniqueViolation } from '../common/app-error';
import { MAX_TAKE } from '../common/keystone-inputs';
import { normaliseEmail } from '../common/normalise';
import { RateLimitService } from '../common/rate-limit.service';
import { CustomerGroupService } from '../customer-group/customer-group.service';
import { newId } from '../database/columns';
import { columnList, hydrate, preparedText, query } from '../database/sql';
import { TransactionService } from '../database/transaction.service';
import { AccountHooks } from './account-hooks';
import {
  RoleRelateToOneForUpdateInput,
  UserCreateInput,
  UserRegisterInput,
  UserUpdateInput,
  UserUpdateProfileInput,
  UsersArgs,
  UserWhereInput,
} from './dto/user.input';
import { UserWhereUniqueInput } from './dto/user-where-unique.input';
import { RoleEntity } from './role.entity';
import { NO_CUSTOMER_TOKEN, UserEntity } from './user.entity';
import { userByIdStatement } from './user-rows';
import { applyUserWhere } from './user-filters';

const EMAIL_TAKEN = 'A user with this email already exists';

function quotedColumn(metadata: EntityMetadata, property: string): string {
  return `"${metadata.findColumnWithPropertyName(property)!.databaseName}"`;
}

/** `"column" = $n` for each property of `patch`, its value pushed onto `params` (numbered after them). */
function setClauses(metadata: EntityMetadata, patch: Partial<UserEntity>, params: unknown[]): string[] {
  return Object.entries(patch).map(([property, value]) => {
    params.push(value);
    return `${quotedColumn(metadata, property)} = $${params.length}`;
  });
}

/**
 * PostgreSQL: applies `patch` to a user and answers the row as it was and as it is, in one statement
 * (the sub-select locks the row, so `before` is the version this update replaced). An email other than
 * the stored one clears `email_verified` in the same statement, as the two-read path does. null: no such
 * user. Saves updateActiveUser and updateUser a read before and a read after the UPDATE (issue 14).
 */
async function updateReturningBefore(
  manager: EntityManager,
  userId: string,
  patch: Partial<UserEntity>,
): Promise<{ before: UserEntity; after: UserEntity } | null> {
  const metadata = manager.connection.getMetadata(UserEntity);
  const params: unknown[] = [userId];
  const sets = setClauses(metadata, patch, params);
  if (patch.email !== undefined) {
    const email = `$${params.indexOf(patch.email) + 1}`;
    sets.push(
      `email_verified = CASE WHEN u.email IS NOT DISTINCT FROM ${email}::varchar THEN u.email_verified ELSE false END`,
    );
  }
  sets.push('updated_at = CURRENT_TIMESTAMP');
  const columns = columnList(manager, UserEntity, 'prior.');
  const rows = await query<Record<string, unknown>>(
    manager,
    `UPDATE users u SET ${sets.join(', ')} FROM (SELECT * FROM users WHERE id = $1 FOR UPDATE) prior ` +
      `WHERE u.id = prior.id RETURNING ${columns}, u.email_verified AS "after_email_verified", ` +
      'u.updated_at AS "after_updated_at"',
    params,
  );
  if (!rows.length) return null;
  const row = rows[0];
  const before = hydrate(manager, UserEntity, row);
  const after = Object.assign(new UserEntity(), before, patch, {
    emailVerified: row.after_email_verified === true,
    updatedAt: manager.connection.driver.prepareHydratedValue(
      row.after_updated_at,
      metadata.findColumnWithPropertyName('updatedAt')!,
    ) as Date,
  });
  return { before, after };
}
/** What `user.updated` describes (classified in audit/audit-fields.ts; the password hash as [redacted]). */
const USER_FIELDS = [
  'name',
  'email',
  'emailVerified',
  'phone',
  'onboardingStatus',
  'orderWebhookUrl',
  'roleId',
  'passwordHash',
];

/**
 * Accounts (SPEC §3.1): registration, the signed-in user's profile, and the admin operations (sign-in,
 * passwords and tokens are auth/auth.service.ts). Every write is one transaction; the email's uniqueness
 * is the unique index. Account creation and email changes notify the AccountHooks listeners.
 */
@Injectable()
export class UserService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(RoleEntity) private readonly roles: Repository<RoleEntity>,
    private readonly tx: TransactionService,
    private readonly hasher: PasswordHasher,
    private readonly hooks: AccountHooks,
    private readonly cache: CredentialCacheService,
    private readonly sessions: SessionService,
    private readonly limits: RateLimitService,
    private readonly customerGroups: CustomerGroupService,
    private readonly addresses: AddressService,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
  ) {}

  // ---- the signed-in user's own account ----------------------------------------------------

  /**
   * Public sign-up: name, email, password (rate-limited per client address by the resolver's guard). The
   * email is unverified: a verification link is queued with the account, and until it is used the account
   * is linked to no identity profile (SPEC §7).
   */
  async register(data: UserRegisterInput, actor: Actor | null = null): Promise<UserEntity> {
    assertPasswordAllowed(data.password);
    const passwordHash = await this.hasher.hash(data.password);
    return this.insertUser(
      { name: data.name ?? null, email: data.email, passwordHash },
      async (manager, user) => {
        await this.hooks.userRegistered(manager, user);
        await this.auth.queueEmailVerification(manager, user);
      },
      actor,
    );
  }

  /**
   * An email change is counted per user before it is made (an answer must not serve to probe which
   * addresses are taken); other fields, and the email the user already has, are not counted.
   */
  async updateActiveUser(actor: Actor, data: UserUpdateProfileInput): Promise<UserEntity> {
    if (data.email !== undefined) {
      if (actor.kind === 'customer-token') throw AppError.forbidden('A customer token cannot change the email address');
      const current = await this.users.findOne({ where: { id: actor.userId }, select: { id: true, email: true } });
      if (current?.email !== data.email) await this.limits.consume('emailChangePerUser', actor.userId!);
    }
    return this.updateById(actor, actor.userId!, data);
  }

  // ---- admin ----------------------------------------------------------------------------------

  async create(actor: Actor, data: UserCreateInput): Promise<UserEntity> {
    if (data.password !== undefined && data.password !== null) assertPasswordAllowed(data.password);
    if (data.role?.connect) this.assertCanAssignRoles(actor);
    const passwordHash = data.password ? await this.hasher.hash(data.password) : null;
    return this.insertUser(
      {
        name: data.name ?? null,
        email: data.email,
        passwordHash,
        phone: data.phone ?? null,
        onboardingStatus: data.onboardingStatus ?? 'not_started',
        orderWebhookUrl: data.orderWebhookUrl ?? null,
      },
      async (manager, user) => {
        if (data.role?.connect) {
          user.roleId = (await this.findRole(manager, data.role.connect)).id;
          await manager.getRepository(UserEntity).update({ id: user.id }, { roleId: user.roleId });
        }
        await this.customerGroups.applyUserGroups(manager, user.id, data.customerGroups, actor);
        await this.addresses.applyForUser(manager, user.id, data.addresses, actor);
      },
      actor,
    );
  }

  async update(actor: Actor, where: UserWhereUniqueInput, data: UserUpdateInput): Promise<UserEntity> {
    const target = await this.findUnique(where);
    if (!target) throw AppError.notFound('User not found');
    if (data.role) this.assertCanAssignRoles(actor);
    this.assertCanTouchStaff(actor, target);
    if (data.customerGroups?.connect?.length || data.customerGroups?.set?.length)
      this.assertCanGroupStaff(actor, target);
    if (data.password !== undefined && data.password !== null) assertPasswordAllowed(data.password);
    const passwordHash = data.password ? await this.hasher.hash(data.password) : undefined;
    const updated = await this.updateById(actor, target.id, data, async (manager) => {
      const patch: Partial<UserEntity> = {};
      if (data.password !== undefined) {
        // a new password, or none (the account is closed; the customer record stays): every session
        // and the customer token end with the old one
        Object.assign(patch, { passwordHash: passwordHash ?? null, ...NO_CUSTOMER_TOKEN });
        await this.sessions.endOthers(manager, target.id);
      }
      if (data.role) patch.roleId = await this.resolveRoleChange(manager, data.role);
      if (Object.keys(patch).length) await manager.getRepository(UserEntity).update({ id: target.id }, patch);
      await this.customerGroups.applyUserGroups(manager, target.id, data.customerGroups, actor);
      await this.addresses.applyForUser(manager, target.id, data.addresses, actor);
    });
    if (data.password !== undefined || data.role) await this.cache.invalidateUser(target.id);
    return updated;
  }

  async delete(actor: Actor, where: UserWhereUniqueInput): Promise<UserEntity> {
    const target = await this.findUnique(where);
    if (!target) throw AppError.notFound('User not found');
    if (target.id === actor.userId) throw AppError.badInput('You cannot delete your own account');
    this.assertCanTouchStaff(actor, target);
    await this.tx.run(async (manager) => {
      await manager.getRepository(UserEntity).delete({ id: target.id });
      await this.audit.record(manager, {
        action: 'user.deleted',
        actor,
        resource: { type: 'user', id: target.id },
        changes: diff(target as unknown as Record<string, unknown>, null, ['email', 'name', 'roleId']),
      });
    });
    await this.cache.invalidateUser(target.id);
    return target;
  }

  /** `user(where)`: anyone with canReadUsers; a customer only themselves (someone else: null). */
  async findOne(actor: Actor, where: UserWhereUniqueInput): Promise<UserEntity | null> {
    const user = await this.findUnique(where);
    if (!user) return null;
    if (actor.permissions.has(Permission.CanReadUsers) || user.id === actor.userId) return user;
    return null;
  }

  async findMany(actor: Actor, args: UsersArgs): Promise<UserEntity[]> {
    const qb = this.listQuery(actor, args.where);
    for (const order of args.orderBy ?? []) {
      const entries = Object.entries(order).filter(([, v]) => v !== undefined && v !== null);
      if (entries.length !== 1) throw AppError.badInput('orderBy: each entry must name exactly one field');
      const [field, direction] = entries[0];
      const column = field === 'createdAt' ? 'u.createdAt' : `u.${field}`;
      qb.addOrderBy(column, direction === 'desc' ? 'DESC' : 'ASC');
    }
    qb.addOrderBy('u.id', 'ASC');
    return qb
      .take(args.take ?? MAX_TAKE)
      .skip(args.skip ?? 0)
      .getMany();
  }

  count(actor: Actor, where?: UserWhereInput | null): Promise<number> {
    return this.listQuery(actor, where).getCount();
  }

  async byIds(ids: readonly string[]): Promise<UserEntity[]> {
    return this.users.findBy({ id: In([...ids]) });
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private listQuery(actor: Actor, where?: UserWhereInput | null): SelectQueryBuilder<UserEntity> {
    const qb = this.users.createQueryBuilder('u');
    if (!actor.permissions.has(Permission.CanReadUsers)) qb.andWhere('u.id = :self', { self: actor.userId });
    return applyUserWhere(qb, 'u', where);
  }

  /** By id or by email (normalised as stored); the DTO ensures exactly one is given. */
  async findUnique(where: UserWhereUniqueInput): Promise<UserEntity | null> {
    if (where.id !== undefined && where.id !== null) return this.users.findOne({ where: { id: where.id } });
    return this.users.findOne({ where: { email: normaliseEmail(where.email!) } });
  }

  /** Inserts a user and runs the account hooks (and `extra`) in one transaction. */
  async insertUser(
    fields: Partial<UserEntity> & { email: string },
    extra?: (manager: EntityManager, user: UserEntity) => Promise<void>,
    actor: Actor | null = null,
  ): Promise<UserEntity> {
    try {
      return await this.tx.run(async (manager) => {
        const repo = manager.getRepository(UserEntity);
        const user = repo.create({ id: newId(), onboardingStatus: 'not_started', ...fields });
        await repo.insert(user);
        await this.hooks.userCreated(manager, user, actor);
        await extra?.(manager, user);
        return repo.findOneByOrFail({ id: user.id });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw AppError.conflict(EMAIL_TAKEN, { field: 'email' });
      throw e;
    }
  }

  /**
   * Applies profile fields (and `extra`) to a user in one transaction. An email change makes the email
   * unverified, queues a verification link to the new address and a notice to the old one, and runs the
   * hooks.
   */
  private async updateById(
    actor: Actor,
    userId: string,
    data: UserUpdateProfileInput,
    extra?: (manager: EntityManager) => Promise<void>,
  ): Promise<UserEntity> {
    const patch: Partial<UserEntity> = {};
    // the DTO has normalised and checked every field (email, phone, status never null)
    if (data.name !== undefined) patch.name = data.name;
    if (data.email !== undefined) patch.email = data.email;
    if (data.phone !== undefined) patch.phone = data.phone;
    if (data.onboardingStatus !== undefined) patch.onboardingStatus = data.onboardingStatus;
    if (data.orderWebhookUrl !== undefined) patch.orderWebhookUrl = data.orderWebhookUrl;
    if (!extra && patch.email === undefined && this.tx.isPostgres && Object.keys(patch).length) {
      if (!(await this.audit.needsTransaction(['user.updated']))) {
        const updated = await this.updateIfUnchanged(actor, userId, patch);
        if (updated) return updated;
      }
    }
    try {
      return await this.tx.run(async (manager) => {
        const { before, after: patched } = await this.applyPatch(manager, userId, patch);
        let after = patched;
        if (after.email !== before.email) {
          await this.auth.queueEmailChange(manager, after, before.email);
          await this.hooks.emailChanged(manager, after, before.email);
        }
        if (extra) {
          await extra(manager);
          after = await manager.getRepository(UserEntity).findOneByOrFail({ id: userId });
        }
        await this.recordUpdate(manager, actor, before, after);
        return after;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw AppError.conflict(EMAIL_TAKEN, { field: 'email' });
      throw e;
    }
  }

  /**
   * updateActiveUser without an email change (no mails, no account hooks) on PostgreSQL, when no webhook
   * endpoint wants `user.updated` in the transaction: the row is read, then one statement applies the
   * patch only if the patched columns still hold what was read (compare-and-set) and writes the audit
   * entry computed from that read, atomically: 2 round trips instead of BEGIN, UPDATE, INSERT, COMMIT.
   * null when the row changed or went in between: the caller then takes the transaction path.
   */
  private async updateIfUnchanged(
    actor: Actor,
    userId: string,
    patch: Partial<UserEntity>,
  ): Promise<UserEntity | null> {
    return this.tx.single(async (manager) => {
      const metadata = manager.connection.getMetadata(UserEntity);
      const columns = columnList(manager, UserEntity);
      const [row] = await query<Record<string, unknown>>(manager, userByIdStatement(manager), [userId]);
      if (!row) return null;
      const before = hydrate(manager, UserEntity, row);
      const params: unknown[] = [userId];
      const sets = setClauses(metadata, patch, params);
      const unchanged = Object.keys(patch).map((property) => {
        params.push(before[property as keyof UserEntity]);
        return `${quotedColumn(metadata, property)} IS NOT DISTINCT FROM $${params.length}`;
      });
      const b = before as unknown as Record<string, unknown>;
      const changes = diff(b, { ...b, ...patch }, USER_FIELDS);
      let audited = '';
      if (changes.length) {
        params.push(
          this.audit.jsonRowOf({ action: 'user.updated', actor, resource: { type: 'user', id: userId }, changes }),
        );
        audited = `, audited AS (${insertAuditJson(`$${params.length}`)} WHERE EXISTS (SELECT 1 FROM updated))`;
      }
      // one text per set of patched columns (and whether audited): a named prepared statement each
      const rows = await query<Record<string, unknown>>(
        manager,
        preparedText(
          'user-update',
          `WITH updated AS (UPDATE users SET ${sets.join(', ')}, updated_at = CURRENT_TIMESTAMP ` +
            `WHERE id = $1 AND ${unchanged.join(' AND ')} RETURNING ${columns})${audited} SELECT * FROM updated`,
        ),
        params,
      );
      return rows.length ? hydrate(manager, UserEntity, rows[0]) : null;
    });
  }

  /**
   * Applies `patch` to a user (an email change clears `email_verified`): the row as it was and as it is.
   * On PostgreSQL one statement (updateReturningBefore); on SQLite, or with nothing to patch, a read, the
   * update and a read again.
   */
  private async applyPatch(
    manager: EntityManager,
    userId: string,
    patch: Partial<UserEntity>,
  ): Promise<{ before: UserEntity; after: UserEntity }> {
    if (this.tx.isPostgres && Object.keys(patch).length) {
      const changed = await updateReturningBefore(manager, userId, patch);
      if (!changed) throw AppError.notFound('User not found');
      return changed;
    }
    const repo = manager.getRepository(UserEntity);
    const before = await repo.findOneBy({ id: userId });
    if (!before) throw AppError.notFound('User not found');
    if (patch.email !== undefined && patch.email !== before.email) patch.emailVerified = false;
    if (Object.keys(patch).length) await repo.update({ id: userId }, patch);
    return { before, after: await repo.findOneByOrFail({ id: userId }) };
  }

  /** `user.updated` with the fields that changed; `user.password_changed` too when the password did. */
  private async recordUpdate(
    manager: EntityManager,
    actor: Actor,
    before: UserEntity,
    after: UserEntity,
  ): Promise<void> {
    const b = before as unknown as Record<string, unknown>;
    const a = after as unknown as Record<string, unknown>;
    const changes = diff(b, a, USER_FIELDS);
    if (!changes.length) return;
    const resource = { type: 'user', id: after.id };
    const entries = [{ action: 'user.updated', actor, resource, changes }];
    if (before.passwordHash !== after.passwordHash) {
      entries.push({ action: 'user.password_changed', actor, resource, changes: diff(b, a, ['passwordHash']) });
    }
    await this.audit.record(manager, ...entries);
  }

  /**
   * A user who holds a role is staff: changing or deleting them (their email, their password…) would
   * let a user manager take over an admin account, so it needs canManageRoles too. Oneself excepted.
   */
  private assertCanTouchStaff(actor: Actor, target: UserEntity) {
    if (target.roleId && target.id !== actor.userId && !actor.permissions.has(Permission.CanManageRoles)) {
      throw AppError.forbidden('Changing a user who has a role needs the canManageRoles permission');
    }
  }

  /** Putting staff into customer groups needs canManageRoles (SPEC §6), even oneself (others: above). */
  private assertCanGroupStaff(actor: Actor, target: UserEntity) {
    if (target.roleId && !actor.permissions.has(Permission.CanManageRoles)) {
      throw AppError.forbidden(
        'customerGroups: putting a user who has a role into a customer group needs the canManageRoles permission',
      );
    }
  }

  private assertCanAssignRoles(actor: Actor) {
    if (!actor.permissions.has(Permission.CanManageRoles)) {
      throw AppError.forbidden('Assigning a role needs the canManageRoles permission');
    }
  }

  /** The role a `connect` names (the DTO ensures exactly one of id or name). */
  private async findRole(
    manager: EntityManager,
    where: { id?: string | null; name?: string | null },
  ): Promise<RoleEntity> {
    const byId = where.id !== undefined && where.id !== null;
    const role = await manager
      .getRepository(RoleEntity)
      .findOne({ where: byId ? { id: where.id! } : { name: where.name! } });
    if (!role) throw AppError.badInput(`Role not found: ${where.id ?? where.name}`, { field: 'role' });
    return role;
  }

  private async resolveRoleChange(
    manager: EntityManager,
    input: RoleRelateToOneForUpdateInput,
  ): Promise<string | null> {
    if (input.disconnect && input.connect) throw AppError.badInput('role: give connect or disconnect, not both');
    if (input.disconnect) return null;
    if (!input.connect) throw AppError.badInput('role: give connect or disconnect');
    return (await this.findRole(manager, input.connect)).id;
  }

  /** The role ids → roles loader for `User.role`. */
  async rolesByIds(ids: readonly string[]): Promise<RoleEntity[]> {
    return this.roles.findBy({ id: In([...ids]) });
  }
}
