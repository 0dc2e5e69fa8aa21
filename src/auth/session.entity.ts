import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CreatedAt, DateTimeColumn, IdColumn } from '../database/columns';
import { UserEntity } from '../user/user.entity';

/** Live sessions a user may hold; a sign-in that would make one more ends the least recently used. */
export const MAX_SESSIONS_PER_USER = 100;
/** The longest user agent kept (longer ones are cut); an address is at most 64 characters. */
export const USER_AGENT_MAX = 512;
export const IP_ADDRESS_MAX = 64;

/**
 * A sign-in session. Only the SHA-256 of the bearer token is stored. `lastUsedAt` is the sign-in or the
 * last request it authenticated, written in batches (auth/last-used.ts). A user's sessions are listed
 * (and the least recently used found) through `ix_sessions_user_last_used`; the purge of expired
 * sessions through `ix_sessions_expires_at`.
 */
@Entity('sessions')
@Index('ix_sessions_user_last_used', ['userId', 'lastUsedAt'])
export class SessionEntity {
  @IdColumn() id!: string;
  @Index('uq_sessions_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;
  @Index('ix_sessions_expires_at')
  @DateTimeColumn({ name: 'expires_at' })
  expiresAt!: Date;
  @CreatedAt() createdAt!: Date;
  @DateTimeColumn({ name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  /** the client address at sign-in, as the service computes it (TRUSTED_PROXIES) */
  @Column({ name: 'ip_address', type: 'varchar', length: IP_ADDRESS_MAX, nullable: true })
  ipAddress!: string | null;
  @Column({ name: 'user_agent', type: 'varchar', length: USER_AGENT_MAX, nullable: true })
  userAgent!: string | null;
}
