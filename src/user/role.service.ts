import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { CredentialCacheService } from '../auth/credential-cache.service';
import type { Actor } from '../auth/actor';
import { ALL_PERMISSIONS } from '../auth/permissions';
import { diff } from '../audit/audit-fields';
import { AuditService } from '../audit/audit.service';
import { AppError, isUniqueViolation } from '../common/app-error';
import { newId } from '../database/columns';
import { TransactionService } from '../database/transaction.service';
import { RoleCreateInput, RoleUpdateInput, RoleWhereUniqueInput } from './dto/user.input';
import { RoleEntity } from './role.entity';

/** Roles: a name and a set of permissions (SPEC §2). Names are unique. */
/** What role entries describe: the name (a role's, not a person's) and every permission. */
const ROLE_FIELDS = ['roleName', ...ALL_PERMISSIONS];
const roleView = (role: RoleEntity): Record<string, unknown> => ({ ...role, roleName: role.name });

@Injectable()
export class RoleService {
  constructor(
    @InjectRepository(RoleEntity) private readonly roles: Repository<RoleEntity>,
    private readonly tx: TransactionService,
    private readonly cache: CredentialCacheService,
    private readonly audit: AuditService,
  ) {}

  list(): Promise<RoleEntity[]> {
    return this.roles.find({ order: { name: 'ASC' } });
  }

  async create(data: RoleCreateInput, actor: Actor | null = null): Promise<RoleEntity> {
    const role = this.roles.create({
      id: newId(),
      name: data.name,
      canReadUsers: data.canReadUsers ?? false,
      canManageUsers: data.canManageUsers ?? false,
      canManageIdentities: data.canManageIdentities ?? false,
      canManageApiTokens: data.canManageApiTokens ?? false,
      canManageRoles: data.canManageRoles ?? false,
      canReadAudit: data.canReadAudit ?? false,
      canManageWebhooks: data.canManageWebhooks ?? false,
    });
    return this.write(data.name, async (manager) => {
      const saved = await manager.getRepository(RoleEntity).save(role);
      await this.audit.record(manager, {
        action: 'role.created',
        actor,
        resource: { type: 'role', id: saved.id },
        changes: diff(null, roleView(saved), ROLE_FIELDS),
      });
      return saved;
    });
  }

  /** `where` names the role by exactly one of id or name (the DTO ensures it). */
  async update(where: RoleWhereUniqueInput, data: RoleUpdateInput, actor: Actor | null = null): Promise<RoleEntity> {
    const byId = where.id !== undefined && where.id !== null;
    const updated = await this.write(data.name ?? '', async (manager) => {
      const repo = manager.getRepository(RoleEntity);
      const role = await repo.findOne({ where: byId ? { id: where.id! } : { name: where.name! } });
      if (!role) throw AppError.notFound('Role not found');
      const patch = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined && v !== null));
      if (Object.keys(patch).length) await repo.update({ id: role.id }, patch);
      const after = await repo.findOneByOrFail({ id: role.id });
      const changes = diff(roleView(role), roleView(after), ROLE_FIELDS);
      if (changes.length)
        await this.audit.record(manager, {
          action: 'role.updated',
          actor,
          resource: { type: 'role', id: role.id },
          changes,
        });
      return after;
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
