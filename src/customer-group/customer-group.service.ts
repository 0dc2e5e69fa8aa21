import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, FindOptionsWhere, In, Not, Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Actor } from '../auth/actor';
import { Permission } from '../auth/permissions';
import { diff } from '../audit/audit-fields';
import { AuditEntry, AuditService } from '../audit/audit.service';
import { AppError, isUniqueViolation } from '../common/app-error';
import { applyIdFilter, applyStringFilter, MAX_TAKE, OrderTerm, orderTerms } from '../common/keystone-inputs';
import { groupBy } from '../common/loaders';
import { normaliseEmail } from '../common/normalise';
import { newId } from '../database/columns';
import { pagePerParent } from '../database/page-per-parent';
import { TransactionService } from '../database/transaction.service';
import { UserEntity } from '../user/user.entity';
import { CustomerGroupEntity, CustomerGroupUserEntity } from './customer-group.entity';
import {
  CustomerGroupCreateInput,
  CustomerGroupListArgs,
  CustomerGroupRelateToManyForCreateInput,
  CustomerGroupRelateToManyForUpdateInput,
  CustomerGroupUpdateInput,
  CustomerGroupWhereInput,
  CustomerGroupWhereUniqueInput,
  UserRelateToManyForUpdateInput,
} from './dto/customer-group.input';
import { UsersArgs, UserWhereInput } from '../user/dto/user.input';
import { UserWhereUniqueInput } from '../user/dto/user-where-unique.input';
import { applyUserWhere, USER_ORDER_FIELDS } from '../user/user-filters';

const NOT_FOUND = 'Customer group not found';
const ORDER_FIELDS = ['id', 'name', 'createdAt'] as const;
const INSERT_CHUNK = 500;
/** CustomerGroup.users without orderBy: oldest account first. */
const DEFAULT_MEMBER_ORDER: OrderTerm[] = [
  { column: 'u.createdAt', direction: 'ASC' },
  { column: 'u.id', direction: 'ASC' },
];

type Side = 'customerGroupId' | 'userId';
/** Ids to detach, to keep exclusively (`set`), and to attach, already resolved. */
interface RelateOps {
  disconnect: string[];
  set: string[] | null;
  connect: string[];
}

/**
 * Customer groups and their members (SPEC §3.3), with Keystone relate-to-many semantics on both sides:
 * `CustomerGroup.users` here, `User.customerGroups` through `applyUserGroups` (called by the accounts
 * module inside its createUser / updateUser transaction). Every reference is resolved before anything
 * is written, so an unknown user or group fails the whole mutation with nothing changed.
 */
@Injectable()
export class CustomerGroupService {
  constructor(
    @InjectRepository(CustomerGroupEntity) private readonly groups: Repository<CustomerGroupEntity>,
    @InjectRepository(CustomerGroupUserEntity) private readonly members: Repository<CustomerGroupUserEntity>,
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
  ) {}

  create(actor: Actor, data: CustomerGroupCreateInput): Promise<CustomerGroupEntity> {
    return this.tx.run(async (manager) => {
      const connect = await this.resolveUsers(manager, actor, data.users?.connect, 'users.connect');
      const now = new Date();
      const group: CustomerGroupEntity = {
        id: newId(),
        name: data.name,
        metadata: data.metadata ?? null,
        createdAt: now,
        updatedAt: now,
      };
      await this.uniqueName(group.name, () => manager.insert(CustomerGroupEntity, asRow(group)));
      await this.audit.record(manager, {
        action: 'customer_group.created',
        actor,
        resource: { type: 'customer_group', id: group.id },
        changes: diff(null, groupView(group), GROUP_FIELDS),
      });
      await this.relate(manager, actor, 'customerGroupId', group.id, { disconnect: [], set: null, connect });
      return group;
    });
  }

  update(
    actor: Actor,
    where: CustomerGroupWhereUniqueInput,
    data: CustomerGroupUpdateInput,
  ): Promise<CustomerGroupEntity> {
    return this.tx.run(async (manager) => {
      const group = await this.findUnique(manager, where);
      if (!group) throw AppError.notFound(NOT_FOUND);
      const ops = await this.resolveUserOps(manager, actor, data.users);
      const patch: Partial<CustomerGroupEntity> = {};
      if (data.name !== undefined && data.name !== null) patch.name = data.name;
      if (data.metadata !== undefined) patch.metadata = data.metadata;
      if (Object.keys(patch).length > 0) {
        await this.uniqueName(patch.name ?? group.name, () =>
          manager.update(CustomerGroupEntity, { id: group.id }, asRow(patch)),
        );
      }
      const after = await manager.findOneOrFail(CustomerGroupEntity, { where: { id: group.id } });
      const changes = diff(groupView(group), groupView(after), GROUP_FIELDS);
      if (changes.length) {
        await this.audit.record(manager, {
          action: 'customer_group.updated',
          actor,
          resource: { type: 'customer_group', id: group.id },
          changes,
        });
      }
      await this.relate(manager, actor, 'customerGroupId', group.id, ops);
      return after;
    });
  }

  /** Deletes the group (memberships go with it); returns it as it was. */
  delete(actor: Actor, where: CustomerGroupWhereUniqueInput): Promise<CustomerGroupEntity> {
    return this.tx.run(async (manager) => {
      const group = await this.findUnique(manager, where);
      if (!group) throw AppError.notFound(NOT_FOUND);
      const members = await manager.find(CustomerGroupUserEntity, { where: { customerGroupId: group.id } });
      await manager.delete(CustomerGroupEntity, { id: group.id });
      await this.audit.record(
        manager,
        {
          action: 'customer_group.deleted',
          actor,
          resource: { type: 'customer_group', id: group.id },
          changes: diff(groupView(group), null, GROUP_FIELDS),
        },
        ...members.map((m) => memberEntry(actor, 'customer_group.member_removed', group.id, m.userId)),
      );
      return group;
    });
  }

  /** customerGroup(where): null when there is no such group (Keystone). */
  findOne(where: CustomerGroupWhereUniqueInput): Promise<CustomerGroupEntity | null> {
    return this.findUnique(this.groups.manager, where);
  }

  list(args: CustomerGroupListArgs): Promise<CustomerGroupEntity[]> {
    const qb = this.filtered(args.where);
    const orders = args.orderBy ?? [];
    if (orders.length === 0) qb.addOrderBy('g.name', 'ASC');
    for (const order of orders) {
      const fields = ORDER_FIELDS.filter((f) => order[f] !== undefined && order[f] !== null);
      if (fields.length !== 1) throw AppError.badInput('orderBy: each element takes exactly one field');
      qb.addOrderBy(`g.${fields[0]}`, order[fields[0]] === 'desc' ? 'DESC' : 'ASC');
    }
    qb.addOrderBy('g.id', 'ASC');
    return qb
      .offset(args.skip ?? 0)
      .limit(args.take ?? MAX_TAKE)
      .getMany();
  }

  count(where?: CustomerGroupWhereInput | null): Promise<number> {
    return this.filtered(where).getCount();
  }

  /**
   * A user's `customerGroups` relate-to-many input (createUser / updateUser), inside the caller's
   * transaction: groups by `{ id }` or `{ name }`; an unknown group is BAD_USER_INPUT naming it.
   */
  async applyUserGroups(
    manager: EntityManager,
    userId: string,
    input: CustomerGroupRelateToManyForUpdateInput | CustomerGroupRelateToManyForCreateInput | null | undefined,
    actor: Actor | null = null,
  ): Promise<void> {
    if (!input) return;
    const update = input as CustomerGroupRelateToManyForUpdateInput;
    if (update.set && update.disconnect) {
      throw AppError.badInput('customerGroups: set and disconnect cannot both be given', { field: 'customerGroups' });
    }
    const ops: RelateOps = {
      disconnect: await this.resolveGroups(manager, update.disconnect, 'customerGroups.disconnect', false),
      set: update.set ? await this.resolveGroups(manager, update.set, 'customerGroups.set', true) : null,
      connect: await this.resolveGroups(manager, input.connect, 'customerGroups.connect', true),
    };
    await this.relate(manager, actor, 'userId', userId, ops);
  }

  /**
   * CustomerGroup.users (DataLoader batch): the members of each group matching `where`, in `orderBy`
   * (oldest account first without one), `skip` / `take` counted per group, in one statement.
   */
  async usersByGroupIds(groupIds: readonly string[], args: UsersArgs = {}): Promise<UserEntity[][]> {
    const qb = this.members
      .createQueryBuilder('m')
      .innerJoinAndSelect('m.user', 'u')
      .where('m.customerGroupId IN (:...groupIds)', { groupIds: [...groupIds] });
    applyUserWhere(qb, 'u', args.where);
    const order = args.orderBy?.length
      ? orderTerms('u', args.orderBy, USER_ORDER_FIELDS, [{ column: 'u.id', direction: 'ASC' }])
      : DEFAULT_MEMBER_ORDER;
    const rows = await pagePerParent(qb, this.page('m.customerGroupId', order, args)).getMany();
    return groupBy(groupIds, rows, (r) => r.customerGroupId).map((list) => list.map((r) => r.user!));
  }

  /** CustomerGroup.usersCount (DataLoader batch): the members of each group matching `where`. */
  async countsByGroupIds(groupIds: readonly string[], where?: UserWhereInput | null): Promise<number[]> {
    const qb = this.members
      .createQueryBuilder('m')
      .select('m.customerGroupId', 'groupId')
      .addSelect('COUNT(*)', 'count')
      .where('m.customerGroupId IN (:...ids)', { ids: [...groupIds] });
    if (where) applyUserWhere(qb.innerJoin('m.user', 'u'), 'u', where);
    const rows = await qb.groupBy('m.customerGroupId').getRawMany<{ groupId: string; count: string | number }>();
    const counts = new Map(rows.map((r) => [r.groupId, Number(r.count)]));
    return groupIds.map((id) => counts.get(id) ?? 0);
  }

  /**
   * User.customerGroups (DataLoader batch): each user's groups matching `where`, in `orderBy` and then by
   * name, `skip` / `take` counted per user, in one statement.
   */
  async groupsByUserIds(
    userIds: readonly string[],
    args: CustomerGroupListArgs = {},
  ): Promise<CustomerGroupEntity[][]> {
    const qb = this.members
      .createQueryBuilder('m')
      .innerJoinAndSelect('m.group', 'g')
      .where('m.userId IN (:...userIds)', { userIds: [...userIds] });
    applyIdFilter(qb, 'g.id', args.where?.id);
    applyStringFilter(qb, 'g.name', args.where?.name);
    const order = orderTerms('g', args.orderBy, ORDER_FIELDS, [
      { column: 'g.name', direction: 'ASC' },
      { column: 'g.id', direction: 'ASC' },
    ]);
    const rows = await pagePerParent(qb, this.page('m.userId', order, args)).getMany();
    return groupBy(userIds, rows, (r) => r.userId).map((list) => list.map((r) => r.group!));
  }

  /** A page per parent of the membership table (`m`), whose rows are keyed by (group, user). */
  private page(parent: string, order: OrderTerm[], args: { skip?: number | null; take?: number | null }) {
    const keys = ['m.customerGroupId', 'm.userId'];
    return { parent, keys, order, skip: args.skip ?? 0, take: args.take ?? MAX_TAKE };
  }

  private filtered(where?: CustomerGroupWhereInput | null) {
    const qb = this.groups.createQueryBuilder('g');
    applyIdFilter(qb, 'g.id', where?.id);
    applyStringFilter(qb, 'g.name', where?.name);
    return qb;
  }

  /** By exactly one of id or name (the DTO ensures it). */
  private async findUnique(
    manager: EntityManager,
    where: CustomerGroupWhereUniqueInput,
  ): Promise<CustomerGroupEntity | null> {
    const hasId = where.id !== undefined && where.id !== null;
    return manager.findOne(CustomerGroupEntity, { where: hasId ? { id: where.id! } : { name: where.name! } });
  }

  private async uniqueName<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw AppError.conflict(`A customer group named "${name}" already exists`, { field: 'name' });
      }
      throw e;
    }
  }

  private async resolveUserOps(
    manager: EntityManager,
    actor: Actor,
    input: UserRelateToManyForUpdateInput | null | undefined,
  ): Promise<RelateOps> {
    if (!input) return { disconnect: [], set: null, connect: [] };
    if (input.set && input.disconnect) {
      throw AppError.badInput('users: set and disconnect cannot both be given', { field: 'users' });
    }
    return {
      disconnect: await this.resolveUsers(manager, null, input.disconnect, 'users.disconnect', false),
      set: input.set ? await this.resolveUsers(manager, actor, input.set, 'users.set') : null,
      connect: await this.resolveUsers(manager, actor, input.connect, 'users.connect'),
    };
  }

  /**
   * User references → ids. Each reference is exactly one of id or email (case-insensitive; the DTO
   * ensures one, and `path` names the list in messages). Unknown
   * users are BAD_USER_INPUT naming them when `strict` (connect, set); a disconnect of an unknown user
   * has nothing to undo. On PostgreSQL the rows are share-locked until commit, so they cannot vanish
   * between this check and the membership insert. `adding` is the actor who puts these users into a
   * group (connect, set): a user who holds a role (staff) needs canManageRoles, as any change to staff.
   */
  private async resolveUsers(
    manager: EntityManager,
    adding: Actor | null,
    refs: UserWhereUniqueInput[] | null | undefined,
    path: string,
    strict = true,
  ): Promise<string[]> {
    if (!refs?.length) return [];
    const ids = new Map<string, string>();
    const emails = new Map<string, string>();
    for (const ref of refs) {
      if (ref.id !== undefined && ref.id !== null) ids.set(ref.id, ref.id);
      else emails.set(normaliseEmail(ref.email!), ref.email!);
    }
    const lock = this.tx.isPostgres ? { lock: { mode: 'pessimistic_read' as const } } : {};
    const where: FindOptionsWhere<UserEntity>[] = [];
    if (ids.size > 0) where.push({ id: In([...ids.keys()]) });
    if (emails.size > 0) where.push({ email: In([...emails.keys()]) });
    const found = await manager.find(UserEntity, { select: { id: true, email: true, roleId: true }, where, ...lock });
    const foundIds = new Set(found.map((u) => u.id));
    const foundEmails = new Set(found.map((u) => u.email));
    const missing = [
      ...[...ids].filter(([id]) => !foundIds.has(id)).map(([, given]) => given),
      ...[...emails].filter(([email]) => !foundEmails.has(email)).map(([, given]) => given),
    ];
    if (missing.length > 0 && strict) throw AppError.badInput(notFoundMessage('User', missing), { field: path });
    if (adding && !adding.permissions.has(Permission.CanManageRoles) && found.some((u) => u.roleId)) {
      throw AppError.forbidden(
        `${path}: putting a user who has a role into a customer group needs the canManageRoles permission`,
      );
    }
    return found
      .filter((u) => ids.has(u.id) || (u.email !== null && emails.has(u.email)))
      .map((u) => u.id)
      .filter((id, i, all) => all.indexOf(id) === i);
  }

  /**
   * Group references (exactly one of `{ id }` or `{ name }`: the DTO ensures it) → ids; unknown groups
   * are BAD_USER_INPUT when `strict`.
   */
  private async resolveGroups(
    manager: EntityManager,
    refs: CustomerGroupWhereUniqueInput[] | null | undefined,
    path: string,
    strict: boolean,
  ): Promise<string[]> {
    if (!refs?.length) return [];
    const ids = new Set<string>();
    const names = new Set<string>();
    for (const ref of refs) {
      if (ref.id !== undefined && ref.id !== null) ids.add(ref.id);
      else names.add(ref.name!);
    }
    const lock = this.tx.isPostgres ? { lock: { mode: 'pessimistic_read' as const } } : {};
    const where: FindOptionsWhere<CustomerGroupEntity>[] = [];
    if (ids.size > 0) where.push({ id: In([...ids]) });
    if (names.size > 0) where.push({ name: In([...names]) });
    const found = await manager.find(CustomerGroupEntity, { select: { id: true, name: true }, where, ...lock });
    const foundIds = new Set(found.map((g) => g.id));
    const foundNames = new Set(found.map((g) => g.name));
    const missing = [...[...ids].filter((id) => !foundIds.has(id)), ...[...names].filter((n) => !foundNames.has(n))];
    if (missing.length > 0 && strict) {
      throw AppError.badInput(notFoundMessage('Customer group', missing), { field: path });
    }
    return found
      .filter((g) => ids.has(g.id) || names.has(g.name))
      .map((g) => g.id)
      .filter((id, i, all) => all.indexOf(id) === i);
  }

  /** Applies resolved relate operations from one side of the membership table. */
  private async relate(
    manager: EntityManager,
    actor: Actor | null,
    side: Side,
    ownId: string,
    ops: RelateOps,
  ): Promise<void> {
    const other: Side = side === 'userId' ? 'customerGroupId' : 'userId';
    const own = { [side]: ownId } as FindOptionsWhere<CustomerGroupUserEntity>;
    const changes = ops.disconnect.length > 0 || ops.set !== null || ops.connect.length > 0;
    const members = async () =>
      changes ? new Set((await manager.find(CustomerGroupUserEntity, { where: own })).map((m) => m[other])) : new Set();
    const before = await members();
    if (ops.disconnect.length > 0) {
      await manager.delete(CustomerGroupUserEntity, { ...own, [other]: In(ops.disconnect) });
    }
    if (ops.set) {
      await manager.delete(CustomerGroupUserEntity, ops.set.length > 0 ? { ...own, [other]: Not(In(ops.set)) } : own);
    }
    const attach = [...new Set([...(ops.set ?? []), ...ops.connect])];
    for (let i = 0; i < attach.length; i += INSERT_CHUNK) {
      const rows = attach
        .slice(i, i + INSERT_CHUNK)
        .map((id) =>
          side === 'userId' ? { userId: ownId, customerGroupId: id } : { customerGroupId: ownId, userId: id },
        );
      // Already a member: nothing to do (connect is idempotent).
      await manager.createQueryBuilder().insert().into(CustomerGroupUserEntity).values(rows).orIgnore().execute();
    }
    if (!changes) return;
    // The memberships that really changed (connect is idempotent, set may keep some), one entry each.
    const after = await members();
    const entries: AuditEntry[] = [];
    const entry = (action: string, otherId: string) =>
      side === 'userId' ? memberEntry(actor, action, otherId, ownId) : memberEntry(actor, action, ownId, otherId);
    for (const id of after) if (!before.has(id)) entries.push(entry('customer_group.member_added', id as string));
    for (const id of before) if (!after.has(id)) entries.push(entry('customer_group.member_removed', id as string));
    await this.audit.record(manager, ...entries);
  }
}

const GROUP_FIELDS = ['groupName', 'metadata'];
const groupView = (group: CustomerGroupEntity): Record<string, unknown> => ({ ...group, groupName: group.name });

/** A membership change: about the member (User.history), for the group. */
function memberEntry(actor: Actor | null, action: string, groupId: string, userId: string): AuditEntry {
  return {
    action,
    actor,
    resource: { type: 'customer_group', id: groupId },
    userId,
    changes: [
      { field: 'user', old: action.endsWith('removed') ? userId : null, new: action.endsWith('added') ? userId : null },
    ],
  };
}

/** TypeORM's deep-partial type cannot see through a JSON column's `Record<string, unknown>`. */
function asRow(group: Partial<CustomerGroupEntity>): QueryDeepPartialEntity<CustomerGroupEntity> {
  return group as QueryDeepPartialEntity<CustomerGroupEntity>;
}

function notFoundMessage(kind: string, missing: string[]): string {
  const shown = missing.slice(0, 10).join(', ');
  return `${kind} not found: ${shown}${missing.length > 10 ? ` (and ${missing.length - 10} more)` : ''}`;
}
