import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { change, FieldChange } from '../audit/audit-fields';
import type { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { AccountListener, OnAccountChange } from '../user/account-hooks';
import { UserEntity } from '../user/user.entity';
import { IdentityMergeService } from './merge.service';
import { PrivacyStore } from './privacy-store';
import { ProfileStore } from './profile-store';

/**
 * Accounts and profiles are one person, once the person proved the address (SPEC §7): an account is
 * linked to the identity profile holding its email only when that email is verified, in the transaction
 * that verifies it. Until then the account has no profile, and nothing an account write answers depends
 * on the profiles integrations created (registering an address, or changing to one, answers the same
 * whether or not a profile holds it). An email change leaves the profiles alone; its verification
 * merges the profile holding the new address into the account's own.
 */
/** The actor of the merges email verification makes. */
export const MERGE_ACTOR = 'system:email-verification';

@Injectable()
@OnAccountChange()
export class AccountLinkService implements AccountListener {
  private readonly logger = new Logger('AccountLink');

  constructor(
    private readonly store: ProfileStore,
    private readonly audit: AuditService,
    private readonly merges: IdentityMergeService,
    private readonly privacy: PrivacyStore,
  ) {}

  /** An account created with a verified email (none is, today) is linked at once. */
  async userCreated(manager: EntityManager, user: UserEntity, actor: Actor | null): Promise<void> {
    if (user.emailVerified) await this.linkVerified(manager, user, actor);
  }

  /** Signing up is new consent: it lifts an erasure's suppression of the email (SPEC §10). */
  async userRegistered(manager: EntityManager, user: UserEntity): Promise<void> {
    if (user.email) await this.privacy.lift(manager, { type: 'email', value: user.email });
  }

  emailVerified(manager: EntityManager, user: UserEntity, actor: Actor | null): Promise<void> {
    return this.linkVerified(manager, user, actor);
  }

  /**
   * The account is linked to the profile holding its (verified) email:
   * - no profile holds it: the account's profile takes it (its previous email identifier is replaced),
   *   or a new profile is created with it;
   * - an unlinked profile holds it: that profile becomes the account's, or, when the account has one
   *   already, is merged into it by the one merge there is (IdentityMergeService.mergeLocked, recorded, and
   *   undoable with unmergeIdentity like any other: the account profile's own values win);
   * - the profile of another account holds it (an integration re-pointed an identifier): nothing moves.
   *   Profiles of two accounts are never merged (SPEC §10); the address is verified all the same, and the
   *   case is logged for an operator.
   */
  async linkVerified(manager: EntityManager, user: UserEntity, actor: Actor | null = null): Promise<void> {
    const email = user.email;
    if (!email) return;
    const own = await this.store.profileOfUser(manager, user.id);
    const holder = await this.store.ownerOf(manager, 'email', email);
    if (holder && holder === own) return;
    if (holder) {
      const holderAccount = await this.store.linkedUser(manager, holder);
      if (holderAccount && holderAccount !== user.id) {
        this.logger.warn(
          { userId: user.id, profileId: holder, otherUserId: holderAccount },
          'A verified email is held by the identity profile of another account: the profiles stay as they are',
        );
        return;
      }
      if (!own) {
        await this.store.takeProfiles(manager, [holder]);
        await this.store.linkUser(manager, holder, user.id);
        await this.record(manager, actor, 'identity.updated', holder, user.id, [
          { field: 'user', old: null, new: user.id },
        ]);
        return;
      }
      // the verified address is the account's: it leaves the merged profile and replaces the account
      // profile's email identifier, whatever the merge's "survivor wins" rule says about emails
      await this.store.takeProfiles(manager, [own, holder]);
      await this.store.deleteIdentifier(manager, holder, 'email', email);
      // mergeLocked audits the merge (identity.merged) with the actor
      await this.merges.mergeLocked(manager, own, [holder], MERGE_ACTOR, 'email verified by the account', actor);
      await this.setEmail(manager, own, email);
      await this.record(manager, actor, 'identity.identifier_changed', own, user.id, [change('email', null, email)]);
      return;
    }
    if (own) {
      await this.store.takeProfiles(manager, [own]);
      await this.setEmail(manager, own, email);
      await this.record(manager, actor, 'identity.identifier_changed', own, user.id, [change('email', null, email)]);
      return;
    }
    const { id, created } = await this.store.ensureProfile(manager, 'email', email, user.id);
    // created by someone else between our look-up and our insert: it is the holder; link it when free
    if (created) {
      await this.record(manager, actor, 'identity.created', id, user.id, [change('email', null, email)]);
    } else if (!(await this.store.linkedUser(manager, id))) {
      await this.store.linkUser(manager, id, user.id);
      await this.record(manager, actor, 'identity.updated', id, user.id, [{ field: 'user', old: null, new: user.id }]);
    }
  }

  private record(
    manager: EntityManager,
    actor: Actor | null,
    action: string,
    profileId: string,
    userId: string,
    changes: FieldChange[],
  ) {
    return this.audit.record(manager, {
      action,
      actor,
      resource: { type: 'identity', id: profileId },
      userId,
      changes,
    });
  }

  private setEmail(manager: EntityManager, profileId: string, email: string): Promise<void> {
    return this.store.setIdentifier(
      manager,
      profileId,
      'email',
      email,
      `Another identity profile already has the email ${email}`,
    );
  }
}
