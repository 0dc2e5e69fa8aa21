import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/app-error';
import { AccountHooks } from '../user/account-hooks';
import { UserEntity } from '../user/user.entity';
import { ProfileStore } from './profile-store';

/**
 * Accounts and profiles are one person: a new account is linked to the profile holding its email
 * (created when there is none), and an email change moves the profile's email identifier, in the
 * account's own transaction. CONFLICT when another profile already holds the new email.
 */
@Injectable()
export class AccountLinkService implements OnModuleInit {
  constructor(
    private readonly hooks: AccountHooks,
    private readonly store: ProfileStore,
  ) {}

  onModuleInit() {
    this.hooks.register({
      userCreated: (manager, user) => this.link(manager, user),
      emailChanged: (manager, user) => this.moveEmail(manager, user),
    });
  }

  async link(manager: EntityManager, user: UserEntity): Promise<void> {
    if (!user.email) return;
    const { id } = await this.store.ensureProfile(manager, 'email', user.email, user.id);
    const owner = await this.store.linkedUser(manager, id);
    if (owner && owner !== user.id) {
      throw AppError.conflict(`The identity profile of ${user.email} belongs to another account`, { field: 'email' });
    }
    if (!owner) await this.store.linkUser(manager, id, user.id);
  }

  async moveEmail(manager: EntityManager, user: UserEntity): Promise<void> {
    const profileId = await this.store.profileOfUser(manager, user.id);
    if (!profileId) return this.link(manager, user);
    if (!user.email) return;
    const holder = await this.store.ownerOf(manager, 'email', user.email);
    if (holder && holder !== profileId) {
      throw AppError.conflict(`Another identity profile already has the email ${user.email}`, { field: 'email' });
    }
    // the profile row before its identifier row, as every writer of a profile does
    await this.store.takeProfiles(manager, [profileId]);
    await this.store.setIdentifier(
      manager,
      profileId,
      'email',
      user.email,
      `Another identity profile already has the email ${user.email}`,
    );
  }
}
