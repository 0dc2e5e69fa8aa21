import { Column, Entity } from 'typeorm';
import { CreatedAt, DateTimeColumn, IdColumn, UpdatedAt } from '../database/columns';

/** A webhook endpoint (SPEC §9): where events go, which events, and the secret that signs them. */
@Entity('webhook_endpoints')
export class WebhookEndpointEntity {
  @IdColumn() id!: string;
  @Column({ type: 'varchar', length: 2048 }) url!: string;
  @Column({ type: 'varchar', length: 500, nullable: true }) description!: string | null;
  /** the event types it subscribes to */
  @Column({ type: 'simple-json' }) events!: string[];
  /**
   * `whsec_<base64 of 32 random bytes>`: kept as is, since signing needs it (a hash would not do); never
   * answered again after createWebhookEndpoint / rotateWebhookSecret, never logged, never audited.
   */
  @Column({ type: 'varchar', length: 100 }) secret!: string;
  /**
   * The secret `rotateWebhookSecret` replaced: deliveries are signed with it too (a second signature)
   * until `previousSecretExpiresAt` (WEBHOOK_SECRET_OVERLAP_HOURS after the rotation), so a receiver can
   * move to the new secret meanwhile. Never answered, logged or audited, like `secret`.
   */
  @Column({ name: 'previous_secret', type: 'varchar', length: 100, nullable: true }) previousSecret!: string | null;
  @DateTimeColumn({ name: 'previous_secret_expires_at', nullable: true }) previousSecretExpiresAt!: Date | null;
  @Column({ type: 'boolean', default: true }) enabled!: boolean;
  /** why it was disabled (an answer of 410 Gone), null while enabled or disabled by an admin */
  @Column({ name: 'disabled_reason', type: 'varchar', length: 200, nullable: true }) disabledReason!: string | null;
  @CreatedAt() createdAt!: Date;
  @UpdatedAt() updatedAt!: Date;
}
