import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PasswordHasher } from '../auth/password-hasher';
import { assertPasswordAllowed } from '../auth/password-policy';
import { ALL_PERMISSIONS } from '../auth/permissions';
import { AppError, isUniqueViolation } from '../common/app-error';
import { parseEmail } from '../common/normalise';
import { StartupError } from '../common/startup-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { newId } from '../database/columns';
import { TransactionService } from '../database/transaction.service';
import { RoleEntity } from './role.entity';
import { UserEntity } from './user.entity';
import { UserService } from './user.service';

export const ADMIN_ROLE = 'Admin';

/**
 * The first admin: BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD at start (only when no user holds a
 * role with every permission), and `npm run cli -- user:create-admin`.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tx: TransactionService,
    private readonly hasher: PasswordHasher,
    private readonly users: UserService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    if (await this.tx.run((m) => this.adminExists(m))) return;
    try {
      const user = await this.createAdmin(admin.email, admin.password);
      this.logger.log(`Created the bootstrap admin ${user.id}`);
    } catch (e) {
      // Another instance won the race, or the email belongs to an existing user: nothing to do.
      if (e instanceof AppError && e.code === 'CONFLICT') {
        this.logger.warn('Bootstrap admin not created: the email is already taken');
        return;
      }
      // A refused value stops the start with one line naming the variable to fix.
      if (e instanceof AppError && e.code === 'BAD_USER_INPUT') {
        const variable = e.details?.field === 'email' ? 'BOOTSTRAP_ADMIN_EMAIL' : 'BOOTSTRAP_ADMIN_PASSWORD';
        throw new StartupError(variable, `refused: ${e.message}`);
      }
      throw e;
    }
  }

  /** Creates a user with the Admin role (every permission); CONFLICT when the email is taken. */
  async createAdmin(emailInput: string, password: string): Promise<UserEntity> {
    const email = parseEmail(emailInput);
    assertPasswordAllowed(password);
    const passwordHash = await this.hasher.hash(password);
    return this.users.insertUser({ name: 'Admin', email, passwordHash }, async (manager, user) => {
      const role = await this.adminRole(manager);
      await manager.getRepository(UserEntity).update({ id: user.id }, { roleId: role.id });
    });
  }

  private async adminExists(manager: EntityManager): Promise<boolean> {
    const qb = manager.getRepository(UserEntity).createQueryBuilder('u').innerJoin('u.role', 'r');
    for (const p of ALL_PERMISSIONS) qb.andWhere(`r.${p} = :yes`, { yes: true });
    return (await qb.getCount()) > 0;
  }

  private async adminRole(manager: EntityManager): Promise<RoleEntity> {
    const repo = manager.getRepository(RoleEntity);
    const existing = await repo.findOneBy({ name: ADMIN_ROLE });
    const everything = Object.fromEntries(ALL_PERMISSIONS.map((p) => [p, true]));
    if (existing) {
      await repo.update({ id: existing.id }, everything);
      return { ...existing, ...everything };
    }
    const role = repo.create({ id: newId(), name: ADMIN_ROLE, ...everything });
    try {
      await repo.insert(role);
    } catch (e) {
      if (isUniqueViolation(e)) throw AppError.conflict('The Admin role was created concurrently; try again');
      throw e;
    }
    return role;
  }
}
