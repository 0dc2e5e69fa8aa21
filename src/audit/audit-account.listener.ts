import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AccountListener, OnAccountChange } from '../user/account-hooks';
import { UserEntity } from '../user/user.entity';
import type { Actor } from '../auth/actor';
import { change, diff } from './audit-fields';
import { AuditService } from './audit.service';

/**
 * `user.created` and `user.email_verified`, from the account hooks every creation path and every proof
 * of an address already call (registerUser, createUser, the bootstrap admin and the CLI; verifyUserEmail,
 * redeemUserPasswordResetToken), in their transaction. Updates are recorded by the user service, which
 * sees the state before and after.
 */
@Injectable()
@OnAccountChange()
export class AuditAccountListener implements AccountListener {
  constructor(private readonly audit: AuditService) {}

  userCreated(manager: EntityManager, user: UserEntity, actor: Actor | null): Promise<void> {
    const fields = ['email', 'name', 'phone', 'onboardingStatus', 'emailVerified'];
    const changes = diff(null, user as unknown as Record<string, unknown>, fields);
    if (user.passwordHash) changes.push(change('password', null, 'set'));
    return this.audit.record(manager, {
      action: 'user.created',
      actor,
      resource: { type: 'user', id: user.id },
      changes,
    });
  }

  emailVerified(manager: EntityManager, user: UserEntity, actor: Actor | null): Promise<void> {
    return this.audit.record(manager, {
      action: 'user.email_verified',
      actor,
      resource: { type: 'user', id: user.id },
      changes: [change('emailVerified', false, true)],
    });
  }
}
