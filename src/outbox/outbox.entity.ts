import { Column, Entity, Index } from 'typeorm';
import { CreatedAt, DateTimeColumn, IdColumn } from '../database/columns';

/** What a row asks to deliver; each kind has one handler (the mail module registers `mail`). */
export type OutboxKind = 'mail' | 'webhook';
export const OUTBOX_KINDS: readonly OutboxKind[] = ['mail', 'webhook'];

/**
 * `pending`: waiting for `next_attempt_at`; `sending`: claimed by a worker until `locked_until` (after
 * that another worker may take it: the first one is presumed dead); `sent` and `failed` are final.
 */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

/**
 * The transactional outbox: a row is written in the transaction of the change that causes it, and a
 * background worker delivers it afterwards, at least once (SPEC §7, §9).
 */
@Entity('outbox')
// The claim query: due pending rows, and claimed rows whose lease has run out.
@Index('ix_outbox_due', ['status', 'nextAttemptAt'])
@Index('ix_outbox_lease', ['status', 'lockedUntil'])
// A webhook endpoint's delivery log, newest first.
@Index('ix_outbox_target', ['targetId', 'createdAt'])
export class OutboxEntity {
  @IdColumn() id!: string;
  @Column({ type: 'varchar', length: 32 }) kind!: OutboxKind;
  /** What the handler needs (a composed mail, a webhook event). Reduced to a summary once final. */
  @Column({ type: 'simple-json' }) payload!: unknown;
  @Column({ type: 'varchar', length: 16, default: 'pending' }) status!: OutboxStatus;
  /** deliveries started so far (a claim counts one, so a worker that dies mid-delivery uses one up) */
  @Column({ type: 'integer', default: 0 }) attempts!: number;
  @DateTimeColumn({ name: 'next_attempt_at' }) nextAttemptAt!: Date;
  /** while `sending`: the claim's lease; a later claim may take the row once it has passed */
  @DateTimeColumn({ name: 'locked_until', nullable: true }) lockedUntil!: Date | null;
  /** why the last attempt failed; never a credential, a link or the body (see delivery-error.ts) */
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true }) lastError!: string | null;
  /**
   * Whom the row is about (e.g. `user:<id>`), so that erasing a person deletes their queued rows:
   * `OutboxService.forgetSubject`.
   */
  @Index('ix_outbox_subject')
  @Column({ name: 'subject_key', type: 'varchar', length: 128, nullable: true })
  subjectKey!: string | null;
  /** where the row goes when a kind has several destinations (a webhook endpoint's id), for its delivery log */
  @Column({ name: 'target_id', type: 'varchar', length: 36, nullable: true })
  targetId!: string | null;
  @CreatedAt() createdAt!: Date;
  @DateTimeColumn({ name: 'last_attempt_at', nullable: true }) lastAttemptAt!: Date | null;
  @DateTimeColumn({ name: 'sent_at', nullable: true }) sentAt!: Date | null;
}
