import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/app-error';
import { AccountListener, OnAccountChange } from '../user/account-hooks';
import { UserEntity } from '../user/user.entity';
import { ProfileStore } from './profile-store';

/**
 * Accounts and profiles are one person: a new account is linked to the profile holding its email
 * (created when there is none), and an email change moves the profile's email identifier, in the
 * account's own transaction. When another profile already holds the new email, the change answers as
 * for a free address and both profiles stay as they are (SPEC §6, §7: the answer must not tell whether
 * an integration knows an address; the profiles are merged once the new address is verified).
 */
@Injectable()
@OnAccountChange()
export class AccountLinkService implements AccountListener {
  constructor(private readonly store: ProfileStore) {}

  userCreated(manager: EntityManager, user: UserEntity): Promise<void> {
    return this.link(manager, user);
  }

  emailChanged(manager: EntityManager, user: UserEntity): Promise<void> {
    return this.moveEmail(manager, user);
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
    if (!user.email) return;
    const profileId = await this.store.profileOfUser(manager, user.id);
    const holder = await this.store.ownerOf(manager, 'email', user.email);
    // Held by another profile (unlinked, or re-pointed by an integration): not revealed, not touched, and
    // the account's own profile (if any) keeps its identifiers until the new address is verified.
    if (holder && holder !== profileId) return;
    if (!profileId) return this.link(manager, user);
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
