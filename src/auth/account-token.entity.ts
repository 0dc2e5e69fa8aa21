import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CreatedAt, DateTimeColumn, IdColumn } from '../database/columns';
import { UserEntity } from '../user/user.entity';

/** What an account token proves: a password reset (SPEC §7), or the ownership of an email address. */
export type AccountTokenPurpose = 'password-reset' | 'email-verification';

/**
 * A one-time token mailed to an account's address: only its SHA-256 is stored. A user has at most one of
 * each purpose (a newer one replaces the older: unique user + purpose). A redeemed token stays until the
 * next one replaces it, so its reuse is answered as redeemed. `email` is the address it was mailed to:
 * once the account's email is another one, the token proves nothing.
 */
@Entity('account_tokens')
@Index('uq_account_tokens_user_purpose', ['userId', 'purpose'], { unique: true })
export class AccountTokenEntity {
  @IdColumn() id!: string;
  @Column({ name: 'user_id', type: 'varchar', length: 36 }) userId!: string;
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;
  @Column({ type: 'varchar', length: 32 }) purpose!: AccountTokenPurpose;
  @Index('uq_account_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;
  @Column({ type: 'varchar', length: 254 }) email!: string;
  @DateTimeColumn({ name: 'expires_at' }) expiresAt!: Date;
  @DateTimeColumn({ name: 'redeemed_at', nullable: true }) redeemedAt!: Date | null;
  @CreatedAt() createdAt!: Date;
}
