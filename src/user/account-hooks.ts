import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';
import type { Actor } from '../auth/actor';

/**
 * What another module does when an account is created, its email changes or its email is verified,
 * inside the same transaction. A listener that throws (an AppError CONFLICT, say) rolls the whole write back.
 */
export interface AccountListener {
  /** after a user row is inserted (registerUser, createUser, bootstrap admin, CLI) */
  userCreated?(manager: EntityManager, user: UserEntity, actor: Actor | null): Promise<void>;
  /**
   * after a person signed up (registerUser), right after userCreated: new consent, which lifts an
   * erasure's suppression of their email (SPEC §10)
   */
  userRegistered?(manager: EntityManager, user: UserEntity): Promise<void>;
  /** after a user's email changed (updateActiveUser, updateUser); `previousEmail` may be null */
  emailChanged?(manager: EntityManager, user: UserEntity, previousEmail: string | null): Promise<void>;
  /**
   * after the owner proved `user.email` (verifyUserEmail, redeemUserPasswordResetToken); `user` is the
   * account as it is now, `emailVerified` true. Called again when an address is proved again.
   */
  emailVerified?(manager: EntityManager, user: UserEntity, actor: Actor | null): Promise<void>;
}

/**
 * Marks a provider as an AccountListener: `grep -rn "@OnAccountChange" src` lists every listener the
 * calls below reach (today identity/account-link.service.ts, which links an account to its profile).
 */
export const OnAccountChange = DiscoveryService.createDecorator<void>();

/**
 * Calls every provider marked `@OnAccountChange()` (found once, at start, by Nest's DiscoveryService), in
 * module order. The accounts module calls these; it never imports its listeners.
 */
@Injectable()
export class AccountHooks implements OnModuleInit {
  private listeners: AccountListener[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit() {
    this.listeners = this.discovery
      .getProviders({ metadataKey: OnAccountChange.KEY })
      .map((wrapper) => wrapper.instance as AccountListener)
      .filter(Boolean);
  }

  /** `actor`: who created it, for the audit trail (null: the system, e.g. the CLI) */
  async userCreated(manager: EntityManager, user: UserEntity, actor: Actor | null = null): Promise<void> {
    for (const listener of this.listeners) await listener.userCreated?.(manager, user, actor);
  }

  async userRegistered(manager: EntityManager, user: UserEntity): Promise<void> {
    for (const listener of this.listeners) await listener.userRegistered?.(manager, user);
  }

  async emailChanged(manager: EntityManager, user: UserEntity, previousEmail: string | null): Promise<void> {
    for (const listener of this.listeners) await listener.emailChanged?.(manager, user, previousEmail);
  }

  async emailVerified(manager: EntityManager, user: UserEntity, actor: Actor | null = null): Promise<void> {
    for (const listener of this.listeners) await listener.emailVerified?.(manager, user, actor);
  }
}
