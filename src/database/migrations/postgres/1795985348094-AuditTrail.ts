import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditTrail1795985348094 implements MigrationInterface {
  name = 'AuditTrail1795985348094';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "audit_events" ("id" character varying(36) NOT NULL, "occurred_at" TIMESTAMP NOT NULL, "actor_kind" character varying(16) NOT NULL, "actor_id" character varying(36), "actor_ip" character varying(64), "request_id" character varying(128), "action" character varying(64) NOT NULL, "resource_type" character varying(32) NOT NULL, "resource_id" character varying(64), "user_id" character varying(36), "profile_id" character varying(36), "changes" text NOT NULL, CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_audit_profile" ON "audit_events"  ("profile_id", "occurred_at") ');
    await queryRunner.query('CREATE INDEX "ix_audit_user" ON "audit_events"  ("user_id", "occurred_at") ');
    await queryRunner.query('CREATE INDEX "ix_audit_action" ON "audit_events"  ("action", "occurred_at") ');
    await queryRunner.query(
      'CREATE INDEX "ix_audit_resource" ON "audit_events"  ("resource_type", "resource_id", "occurred_at") ',
    );
    await queryRunner.query('CREATE INDEX "ix_audit_actor" ON "audit_events"  ("actor_id", "occurred_at") ');
    await queryRunner.query('CREATE INDEX "ix_audit_occurred" ON "audit_events"  ("occurred_at") ');
    await queryRunner.query('ALTER TABLE "roles" ADD "can_read_audit" boolean NOT NULL DEFAULT false');
    await queryRunner.query('ALTER TABLE "roles" ADD "can_manage_webhooks" boolean NOT NULL DEFAULT false');
    // A role that held every permission (the bootstrap Admin) keeps holding every permission.
    await queryRunner.query(
      'UPDATE roles SET can_read_audit = true, can_manage_webhooks = true WHERE can_read_users AND can_manage_users AND can_manage_identities AND can_manage_api_tokens AND can_manage_roles',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "roles" DROP COLUMN "can_manage_webhooks"');
    await queryRunner.query('ALTER TABLE "roles" DROP COLUMN "can_read_audit"');
    await queryRunner.query('DROP INDEX "ix_audit_occurred"');
    await queryRunner.query('DROP INDEX "ix_audit_actor"');
    await queryRunner.query('DROP INDEX "ix_audit_resource"');
    await queryRunner.query('DROP INDEX "ix_audit_action"');
    await queryRunner.query('DROP INDEX "ix_audit_user"');
    await queryRunner.query('DROP INDEX "ix_audit_profile"');
    await queryRunner.query('DROP TABLE "audit_events"');
  }
}
