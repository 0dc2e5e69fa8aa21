import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * What other modules do when an account is created or its email changes, inside the same transaction
 * (the identity module links the account to its profile and moves the profile's email identifier).
 * A hook that throws (an AppError CONFLICT, say) rolls the whole write back.
 */
export interface AccountHook {
  /** after a user row is inserted (registerUser, createUser, bootstrap admin, CLI) */
  userCreated?(manager: EntityManager, user: UserEntity): Promise<void>;
  /** after a user's email changed (updateActiveUser, updateUser); `previousEmail` may be null */
  emailChanged?(manager: EntityManager, user: UserEntity, previousEmail: string | null): Promise<void>;
}

@Injectable()
export class AccountHooks {
  private readonly hooks: AccountHook[] = [];

  register(hook: AccountHook): void {
    this.hooks.push(hook);
  }

  async userCreated(manager: EntityManager, user: UserEntity): Promise<void> {
    for (const hook of this.hooks) await hook.userCreated?.(manager, user);
  }

  async emailChanged(manager: EntityManager, user: UserEntity, previousEmail: string | null): Promise<void> {
    for (const hook of this.hooks) await hook.emailChanged?.(manager, user, previousEmail);
  }
}
