import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { newId } from '../database/columns';
import { query } from '../database/sql';
import { AccountTokenEntity, AccountTokenPurpose } from './account-token.entity';
import { sha256, urlSafeToken } from './tokens';

/**
 * The statements on `account_tokens` (password reset and email verification tokens). Every method runs
 * in the caller's transaction, or on the pool for reads.
 */
@Injectable()
export class AccountTokenStore {
  /**
   * A new token of `purpose` for the user, mailed to `email`: it replaces the user's earlier one of that
   * purpose (used or not), in one `INSERT … ON CONFLICT` so concurrent requests leave exactly one. Returns
   * the token itself, which is not stored.
   */
  async issue(
    manager: EntityManager,
    userId: string,
    purpose: AccountTokenPurpose,
    email: string,
    ttlMs: number,
  ): Promise<{ token: string; expiresAt: Date }> {
    const token = urlSafeToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + ttlMs);
    await query(
      manager,
      `INSERT INTO account_tokens (id, user_id, purpose, token_hash, email, expires_at, redeemed_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)
       ON CONFLICT (user_id, purpose) DO UPDATE SET token_hash = excluded.token_hash, email = excluded.email,
         expires_at = excluded.expires_at, redeemed_at = NULL, created_at = excluded.created_at`,
      [newId(), userId, purpose, sha256(token), email, expiresAt, now],
    );
    return { token, expiresAt };
  }

  /** The stored token of `purpose` that `token` is, or null (one lookup by the unique hash). */
  find(manager: EntityManager, purpose: AccountTokenPurpose, token: string): Promise<AccountTokenEntity | null> {
    return manager.getRepository(AccountTokenEntity).findOne({ where: { tokenHash: sha256(token), purpose } });
  }

  /** Marks a token used, unless it already is: false when another redemption got there first. */
  async redeem(manager: EntityManager, id: string, at = new Date()): Promise<boolean> {
    const result = await manager
      .getRepository(AccountTokenEntity)
      .update({ id, redeemedAt: IsNull() }, { redeemedAt: at });
    return !!result.affected;
  }
}
