import { Column, Entity, Index } from 'typeorm';
import { CreatedAt, DateTimeColumn, IdColumn } from '../database/columns';

/** An integration credential. Only the SHA-256 of the token is stored; the token is shown once. */
@Entity('api_tokens')
export class ApiTokenEntity {
  @IdColumn() id!: string;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ type: 'simple-json' }) scopes!: string[];
  @Index('uq_api_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;
  @CreatedAt() createdAt!: Date;
  @DateTimeColumn({ name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  @DateTimeColumn({ name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}
