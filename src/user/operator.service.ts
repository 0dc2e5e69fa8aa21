import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CredentialCacheService } from '../auth/credential-cache.service';
import { AppError } from '../common/app-error';
import { normaliseEmail } from '../common/normalise';
import { TransactionService } from '../database/transaction.service';
import { RoleEntity } from './role.entity';
import { UserEntity } from './user.entity';

export interface UserListing {
  users: UserEntity[];
  /** every user the filter matches (users holds the first `limit`) */
  total: number;
}

/**
 * What the operator does from a console (`npm run cli`): there is no caller to authorise, as whoever
 * runs the CLI already holds the database. The GraphQL admin operations stay in UserService.
 */
@Injectable()
export class OperatorService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly tx: TransactionService,
    private readonly cache: CredentialCacheService,
  ) {}

  /** Users by email, with their role: all, those holding a role (`staff`), or those holding one role. */
  async list(filter: { role?: string; staff?: boolean; limit: number }): Promise<UserListing> {
    const qb = this.users.createQueryBuilder('u').leftJoinAndSelect('u.role', 'r');
    if (filter.role !== undefined) {
      await this.role(filter.role);
      qb.where('r.name = :role', { role: filter.role });
    } else if (filter.staff) qb.where('u.roleId IS NOT NULL');
    const [users, total] = await qb
      .orderBy('u.email', 'ASC')
      .addOrderBy('u.id', 'ASC')
      .take(filter.limit)
      .getManyAndCount();
    return { users, total };
  }

  /**
   * Gives a user a role (an existing one, by name). Their sessions and tokens carry the new
   * permissions at once, on every instance (the credential cache is cleared).
   */
  async promote(emailInput: string, roleName: string): Promise<{ user: UserEntity; previous: string | null }> {
    const email = normaliseEmail(emailInput);
    const { user, previous } = await this.tx.run(async (manager) => {
      const repo = manager.getRepository(UserEntity);
      const found = await repo.findOne({ where: { email }, relations: { role: true } });
      if (!found) throw AppError.notFound(`No user has the email ${email}`);
      const role = await this.role(roleName, manager.getRepository(RoleEntity));
      await repo.update({ id: found.id }, { roleId: role.id });
      return {
        user: await repo.findOneOrFail({ where: { id: found.id }, relations: { role: true } }),
        previous: found.role?.name ?? null,
      };
    });
    await this.cache.invalidateUser(user.id);
    return { user, previous };
  }

  /** A role by its name, or NOT_FOUND listing the roles there are. */
  private async role(name: string, roles = this.users.manager.getRepository(RoleEntity)): Promise<RoleEntity> {
    const role = await roles.findOneBy({ name });
    if (role) return role;
    const names = (await roles.find({ order: { name: 'ASC' } })).map((r) => r.name);
    throw AppError.notFound(
      `No role is named "${name}"; ${names.length ? `the roles are: ${names.join(', ')}` : 'there are no roles yet (user:create-admin makes Admin)'}`,
    );
  }
}
