import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateTimeColumn } from '../database/columns';

/**
 * One audit entry (SPEC §9). Flat columns, so that the filters of `auditEvents` and `User.history`
 * have indexes and erasure (#16) can find and rewrite the entries about one user or profile by id.
 */
@Entity('audit_events')
@Index('ix_audit_occurred', ['occurredAt'])
@Index('ix_audit_actor', ['actorId', 'occurredAt'])
@Index('ix_audit_resource', ['resourceType', 'resourceId', 'occurredAt'])
@Index('ix_audit_action', ['action', 'occurredAt'])
@Index('ix_audit_user', ['userId', 'occurredAt'])
@Index('ix_audit_profile', ['profileId', 'occurredAt'])
export class AuditEventEntity {
  /** time-ordered (UUIDv7): sorting by id sorts by time */
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @DateTimeColumn({ name: 'occurred_at' }) occurredAt!: Date;
  /** session | customer-token | api-token | anonymous | system */
  @Column({ name: 'actor_kind', type: 'varchar', length: 16 }) actorKind!: string;
  /** the user (session, customer token) or API token id; null for anonymous and system */
  @Column({ name: 'actor_id', type: 'varchar', length: 36, nullable: true }) actorId!: string | null;
  @Column({ name: 'actor_ip', type: 'varchar', length: 64, nullable: true }) actorIp!: string | null;
  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true }) requestId!: string | null;
  @Column({ type: 'varchar', length: 64 }) action!: string;
  @Column({ name: 'resource_type', type: 'varchar', length: 32 }) resourceType!: string;
  @Column({ name: 'resource_id', type: 'varchar', length: 64, nullable: true }) resourceId!: string | null;
  /** the account the entry is about (its own changes, its addresses, sessions, groups), if any */
  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true }) userId!: string | null;
  /** the identity profile the entry is about, if any */
  @Column({ name: 'profile_id', type: 'varchar', length: 36, nullable: true }) profileId!: string | null;
  /** JSON `[{ field, old, new }]`, values already redacted or masked (audit-fields.ts) */
  @Column({ type: 'text' }) changes!: string;
}
