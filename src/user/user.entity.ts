import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CreatedAt, DateTimeColumn, IdColumn, UpdatedAt } from '../database/columns';
import { RoleEntity } from './role.entity';

export const ONBOARDING_STATUSES = ['not_started', 'in_progress', 'completed', 'dismissed'] as const;
export type OnboardingStatus = (typeof ONBOARDING_STATUSES)[number];

/**
 * A customer or staff account. `email` is stored trimmed and lower-cased, so the unique index is
 * case-insensitive on both engines. Secrets are stored only as hashes and have no GraphQL field.
 */
@Entity('users')
export class UserEntity {
  @IdColumn() id!: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) name!: string | null;
  @Index('uq_users_email', { unique: true })
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;
  /**
   * The owner proved this address (a verification link, or a password reset mailed to it). Only then is
   * the account linked to the identity profile holding the email (SPEC §7). An email change clears it.
   */
  @Column({ name: 'email_verified', type: 'boolean', default: false }) emailVerified!: boolean;
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true }) passwordHash!: string | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) phone!: string | null;
  @Column({ name: 'onboarding_status', type: 'varchar', length: 20, default: 'not_started' })
  onboardingStatus!: OnboardingStatus;
  @Column({ name: 'order_webhook_url', type: 'varchar', length: 2048, nullable: true }) orderWebhookUrl!: string | null;
  @Index('ix_users_role')
  @Column({ name: 'role_id', type: 'varchar', length: 36, nullable: true })
  roleId!: string | null;
  @ManyToOne(() => RoleEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'role_id' })
  role?: RoleEntity | null;
  @Index('uq_users_customer_token_hash', { unique: true })
  @Column({ name: 'customer_token_hash', type: 'varchar', length: 64, nullable: true })
  customerTokenHash!: string | null;
  @DateTimeColumn({ name: 'token_generated_at', nullable: true }) tokenGeneratedAt!: Date | null;
  @CreatedAt() createdAt!: Date;
  @UpdatedAt() updatedAt!: Date;
}

/** A password change (or removal) ends the customer token issued under the old one. */
export const NO_CUSTOMER_TOKEN = { customerTokenHash: null, tokenGeneratedAt: null } satisfies Partial<UserEntity>;
