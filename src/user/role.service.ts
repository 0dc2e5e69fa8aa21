import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { CredentialCacheService } from '../auth/credential-cache.service';
import { AppError, isUniqueViolation } from '../common/app-error';
import { newId } from '../database/columns';
import { TransactionService } from '../database/transaction.service';
import { RoleCreateInput, RoleUpdateInput, RoleWhereUniqueInput } from './dto/user.input';
import { RoleEntity } from './role.entity';

/** Roles: a name and a set of permissions (SPEC §2). Names are unique. */
@Injectable()
export class RoleService {
  constructor(
    @InjectRepository(RoleEntity) private readonly roles: Repository<RoleEntity>,
    private readonly tx: TransactionService,
    private readonly cache: CredentialCacheService,
  ) {}

  list(): Promise<RoleEntity[]> {
    return this.roles.find({ order: { name: 'ASC' } });
  }

  async create(data: RoleCreateInput): Promise<RoleEntity> {
    const role = this.roles.create({
      id: newId(),
      name: data.name,
      canReadUsers: data.canReadUsers ?? false,
      canManageUsers: data.canManageUsers ?? false,
      canManageIdentities: data.canManageIdentities ?? false,
      canManageApiTokens: data.canManageApiTokens ?? false,
      canManageRoles: data.canManageRoles ?? false,
    });
    return this.write(data.name, (manager) => manager.getRepository(RoleEntity).save(role));
  }

  /** `where` names the role by exactly one of id or name (the DTO ensures it). */
  async update(where: RoleWhereUniqueInput, data: RoleUpdateInput): Promise<RoleEntity> {
    const byId = where.id !== undefined && where.id !== null;
    const updated = await this.write(data.name ?? '', async (manager) => {
      const repo = manager.getRepository(RoleEntity);
      const role = await repo.findOne({ where: byId ? { id: where.id! } : { name: where.name! } });
      if (!role) throw AppError.notFound('Role not found');
      const patch = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined && v !== null));
      if (Object.keys(patch).length) await repo.update({ id: role.id }, patch);
      return repo.findOneByOrFail({ id: role.id });
    });
    // Permissions are cached with each credential: forget them all.
    await this.cache.invalidateAll();
    return updated;
  }

  private async write<T>(name: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.tx.run(work);
    } catch (e) {
      if (isUniqueViolation(e)) throw AppError.conflict(`A role named "${name}" already exists`, { field: 'name' });
      throw e;
    }
  }
}
