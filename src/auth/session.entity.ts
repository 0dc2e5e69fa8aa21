import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CreatedAt, DateTimeColumn, IdColumn } from '../database/columns';
import { UserEntity } from '../user/user.entity';

/** A sign-in session. Only the SHA-256 of the bearer token is stored. */
@Entity('sessions')
export class SessionEntity {
  @IdColumn() id!: string;
  @Index('uq_sessions_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;
  @Index('ix_sessions_user')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;
  @DateTimeColumn({ name: 'expires_at' }) expiresAt!: Date;
  @CreatedAt() createdAt!: Date;
}
