import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { Actor } from '../auth/actor';
import { diff } from '../audit/audit-fields';
import { AuditEntry, AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { applyBooleanFilter, applyIdFilter, applyStringFilter, MAX_TAKE, orderTerms } from '../common/keystone-inputs';
import { groupBy, indexBy } from '../common/loaders';
import { normalisePhone } from '../common/normalise';
import { newId } from '../database/columns';
import { pagePerParent } from '../database/page-per-parent';
import { columnList, entityRows, hydrate, insertEntities, preparedText, query, rowJson } from '../database/sql';
import { TransactionService } from '../database/transaction.service';
import { UserEntity } from '../user/user.entity';
import { AddressEntity } from './address.entity';
import { CountryService } from './country.service';
import {
  ADDRESS_ORDER_FIELDS,
  AddressCreateInput,
  AddressRelateToManyForCreateInput,
  AddressRelateToManyForUpdateInput,
  AddressUpdateInput,
  AddressWhereUniqueInput,
  MAX_ADDRESSES_PER_USER,
  UserAddressesArgs,
} from './dto/address.input';

const NOT_FOUND = 'Address not found';
const TEXT_FIELDS = [
  'firstName',
  'lastName',
  'company',
  'address1',
  'address2',
  'city',
  'province',
  'postalCode',
] as const;
/** The text fields `User.addresses(where:)` filters with a StringFilter. */
const ADDRESS_TEXT_FILTERS = [...TEXT_FIELDS, 'phone'] as const;
type AddressPatch = Partial<Omit<AddressEntity, 'id' | 'userId' | 'user' | 'country' | 'createdAt' | 'updatedAt'>>;

/** The address fields an audit entry describes (classified in audit/audit-fields.ts: all but the country masked). */
const ADDRESS_FIELDS = [...ADDRESS_TEXT_FILTERS, 'countryId', 'isBilling'] as const;

function tooManyAddresses(existing: number): AppError {
  return AppError.badInput(
    `A user can have at most ${MAX_ADDRESSES_PER_USER} addresses (this one has ${existing}); delete one first`,
  );
}

/**
 * Addresses (SPEC §3.2). Customers act on their own addresses (`*ForActor`); the accounts module
 * applies an admin's nested `addresses` input to any user with `applyForUser` inside its own
 * transaction. Every write locks the owner's row first (PostgreSQL), so the per-user cap and the
 * single billing address hold under concurrent requests.
 */

@Injectable()
export class AddressService {
  constructor(
    @InjectRepository(AddressEntity) private readonly addresses: Repository<AddressEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly countries: CountryService,
    private readonly tx: TransactionService,
    private readonly audit: AuditService,
  ) {}

  /** createActiveUserAddress: adds an address to the caller's account; returns the caller. */
  async createForActor(actor: Actor, data: AddressCreateInput): Promise<UserEntity> {
    const userId = this.ownUserId(actor);
    if (this.tx.isPostgres && !(await this.audit.needsTransaction(['address.created']))) {
      return this.createInOneStatement(actor, userId, data);
    }
    return this.tx.run(async (manager) => {
      const { owner, addresses } = await this.lockUserCounting(manager, userId);
      await this.create(manager, actor, userId, [data], addresses);
      return owner;
    });
  }

  /** updateActiveUserAddress: changes one of the caller's addresses; returns the caller. */
  async updateForActor(actor: Actor, where: AddressWhereUniqueInput, data: AddressUpdateInput): Promise<UserEntity> {
    const userId = this.ownUserId(actor);
    return this.tx.run(async (manager) => {
      const owner = await this.lockUser(manager, userId);
      await this.update(manager, actor, userId, where, data);
      return owner;
    });
  }

  /** deleteActiveUserAddress: deletes one of the caller's addresses; returns it as it was. */
  async deleteForActor(actor: Actor, where: AddressWhereUniqueInput): Promise<AddressEntity> {
    const userId = this.ownUserId(actor);
    return this.tx.run(async (manager) => {
      await this.lockUser(manager, userId);
      return this.remove(manager, actor, userId, where);
    });
  }

  /**
   * An admin's nested `addresses` input for `userId` (createUser / updateUser), inside the caller's
   * transaction: disconnect (delete), then update, then create. The caller has checked that the user
   * exists and may be managed; any failure throws and the caller's transaction rolls back.
   */
  async applyForUser(
    manager: EntityManager,
    userId: string,
    input: AddressRelateToManyForUpdateInput | AddressRelateToManyForCreateInput | null | undefined,
    actor: Actor | null = null,
  ): Promise<void> {
    if (!input) return;
    await this.lockUser(manager, userId);
    if ('disconnect' in input && input.disconnect) {
      for (const where of input.disconnect) await this.remove(manager, actor, userId, where);
    }
    if ('update' in input && input.update) {
      for (const { where, data } of input.update) await this.update(manager, actor, userId, where, data);
    }
    if (input.create?.length) await this.create(manager, actor, userId, input.create);
  }

  /**
   * User.addresses (DataLoader batch): each user's addresses matching `where`, in `orderBy` and then
   * oldest first, `skip` / `take` counted per user, in one statement for the whole batch.
   */
  async byUserIds(userIds: readonly string[], args: UserAddressesArgs = {}): Promise<AddressEntity[][]> {
    const qb = this.addresses.createQueryBuilder('a').where('a.userId IN (:...userIds)', { userIds: [...userIds] });
    const where = args.where;
    applyIdFilter(qb, 'a.id', where?.id);
    for (const field of ADDRESS_TEXT_FILTERS) applyStringFilter(qb, `a.${field}`, where?.[field]);
    applyBooleanFilter(qb, 'a.isBilling', where?.isBilling);
    const order = orderTerms('a', args.orderBy, ADDRESS_ORDER_FIELDS, [
      { column: 'a.createdAt', direction: 'ASC' },
      { column: 'a.id', direction: 'ASC' },
    ]);
    const page = { parent: 'a.userId', keys: ['a.id'], order, skip: args.skip ?? 0, take: args.take ?? MAX_TAKE };
    return groupBy(userIds, await pagePerParent(qb, page).getMany(), (a) => a.userId);
  }

  /** Address.user (DataLoader batch). */
  async usersByIds(ids: readonly string[]): Promise<(UserEntity | null)[]> {
    return indexBy(ids, await this.users.findBy({ id: In([...ids]) }), (u) => u.id);
  }

  private ownUserId(actor: Actor): string {
    if (!actor.userId) throw AppError.unauthenticated();
    return actor.userId;
  }

  /**
   * The owner, locked, then how many addresses they have: two statements, so that on PostgreSQL the count
   * is read after the lock is granted and sees every address committed before (the count cannot change
   * while the row is locked: every address write locks it first). One statement that locked and counted
   * saw the snapshot from before it waited for the lock, and let a user pass the cap.
   */
  private async lockUserCounting(
    manager: EntityManager,
    userId: string,
  ): Promise<{ owner: UserEntity; addresses: number }> {
    const owner = await this.lockUser(manager, userId);
    return { owner, addresses: await manager.count(AddressEntity, { where: { userId } }) };
  }

  /** Reads the owner, locking the row on PostgreSQL (SQLite transactions are serialised already). */
  private async lockUser(manager: EntityManager, userId: string): Promise<UserEntity> {
    const user = await manager.findOne(UserEntity, {
      where: { id: userId },
      ...(this.tx.isPostgres ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!user) throw AppError.notFound('User not found');
    return user;
  }

  private async create(
    manager: EntityManager,
    actor: Actor | null,
    userId: string,
    inputs: AddressCreateInput[],
    counted?: number,
  ): Promise<void> {
    const existing = counted ?? (await manager.count(AddressEntity, { where: { userId } }));
    if (existing + inputs.length > MAX_ADDRESSES_PER_USER) throw tooManyAddresses(existing);
    const rows = this.newRows(userId, inputs);
    if (rows.some((r) => r.isBilling)) {
      await manager.update(AddressEntity, { userId, isBilling: true }, { isBilling: false });
    }
    await insertEntities(manager, AddressEntity, rows);
    await this.audit.record(manager, ...this.createdEntries(actor, userId, rows));
  }

  /**
   * createActiveUserAddress on PostgreSQL when no webhook endpoint wants `address.created` in the
   * transaction: one call of the `create_user_address` function (migration CreateUserAddressFunction)
   * does what the transaction does — lock the owner, count, clear the billing flag, insert the address
   * and its audit entry — in one round trip (the transaction took 5-6). Over the cap, or without the
   * owner, it writes nothing.
   */
  private async createInOneStatement(actor: Actor, userId: string, data: AddressCreateInput): Promise<UserEntity> {
    const rows = this.newRows(userId, [data]);
    return this.tx.single(async (manager) => {
      const address = entityRows(manager, AddressEntity, rows);
      const [created] = this.createdEntries(actor, userId, rows);
      const found = await query<Record<string, unknown>>(
        manager,
        preparedText(
          'create-user-address',
          `SELECT ${columnList(manager, UserEntity, '(r.owner).')}, r.address_count FROM create_user_address($1, $2, $3, $4) r`,
        ),
        [userId, MAX_ADDRESSES_PER_USER, rowJson(address.columns, address.rows[0]), this.audit.jsonRowOf(created)],
      );
      if (!found.length) throw AppError.notFound('User not found');
      const existing = Number(found[0].address_count);
      if (existing >= MAX_ADDRESSES_PER_USER) throw tooManyAddresses(existing);
      return hydrate(manager, UserEntity, found[0]);
    });
  }

  /** New address rows for `inputs`; when several are billing addresses, the last one stays one. */
  private newRows(userId: string, inputs: AddressCreateInput[]): AddressEntity[] {
    // Timestamps from the application, a millisecond apart: addresses list in the order they were added.
    const now = Date.now();
    const rows: AddressEntity[] = [];
    for (const [i, data] of inputs.entries()) {
      const patch = this.patchFrom(data);
      const at = new Date(now + i);
      rows.push({
        id: newId(),
        userId,
        firstName: null,
        lastName: null,
        company: null,
        address1: null,
        address2: null,
        city: null,
        province: null,
        postalCode: null,
        phone: null,
        countryId: null,
        ...patch,
        isBilling: patch.isBilling ?? false,
        createdAt: at,
        updatedAt: at,
      });
    }
    // The last address marked as billing wins.
    for (const r of rows.filter((r) => r.isBilling).slice(0, -1)) r.isBilling = false;
    return rows;
  }

  private createdEntries(actor: Actor | null, userId: string, rows: AddressEntity[]): AuditEntry[] {
    return rows.map((row) => ({
      action: 'address.created',
      actor,
      resource: { type: 'address', id: row.id },
      userId,
      changes: diff(null, row as unknown as Record<string, unknown>, ADDRESS_FIELDS),
    }));
  }

  private async update(
    manager: EntityManager,
    actor: Actor | null,
    userId: string,
    where: AddressWhereUniqueInput,
    data: AddressUpdateInput,
  ): Promise<void> {
    const address = await this.findOwn(manager, userId, where);
    const patch = this.patchFrom(data);
    if (patch.isBilling) {
      await manager.update(AddressEntity, { userId, isBilling: true }, { isBilling: false });
    }
    if (Object.keys(patch).length > 0) await manager.update(AddressEntity, { id: address.id }, patch);
    const changes = diff(address as unknown as Record<string, unknown>, { ...address, ...patch }, ADDRESS_FIELDS);
    if (changes.length) {
      await this.audit.record(manager, {
        action: 'address.updated',
        actor,
        resource: { type: 'address', id: address.id },
        userId,
        changes,
      });
    }
  }

  private async remove(
    manager: EntityManager,
    actor: Actor | null,
    userId: string,
    where: AddressWhereUniqueInput,
  ): Promise<AddressEntity> {
    const address = await this.findOwn(manager, userId, where);
    await manager.delete(AddressEntity, { id: address.id });
    await this.audit.record(manager, {
      action: 'address.deleted',
      actor,
      resource: { type: 'address', id: address.id },
      userId,
      changes: diff(address as unknown as Record<string, unknown>, null, ADDRESS_FIELDS),
    });
    return address;
  }

  /** One of the user's addresses; another user's address is "not found" too, so it is never revealed. */
  private async findOwn(manager: EntityManager, userId: string, where: AddressWhereUniqueInput) {
    const address = await manager.findOne(AddressEntity, { where: { id: where.id, userId } });
    if (!address) throw AppError.notFound(NOT_FOUND);
    return address;
  }

  /** The columns an input sets: only the fields given (null clears), phone normalised, country resolved. */
  private patchFrom(data: AddressCreateInput | AddressUpdateInput): AddressPatch {
    const patch: AddressPatch = {};
    for (const field of TEXT_FIELDS) {
      const value = data[field];
      if (value !== undefined) patch[field] = value;
    }
    if (data.phone !== undefined) {
      if (data.phone === null) patch.phone = null;
      else {
        const phone = normalisePhone(data.phone);
        if (!phone) {
          throw AppError.badInput(
            'phone must be an international number: + and 7 to 15 digits (spaces, dashes, dots and parentheses are ignored)',
            { field: 'phone' },
          );
        }
        patch.phone = phone;
      }
    }
    if (data.isBilling !== undefined) patch.isBilling = data.isBilling === true;
    const country = data.country;
    if (country) {
      if ('disconnect' in country && country.disconnect === true) {
        if (country.connect) throw AppError.badInput('country: give connect or disconnect, not both');
        patch.countryId = null;
      } else if (country.connect) {
        patch.countryId = this.countries.resolve(country.connect).id;
      }
    }
    return patch;
  }
}
