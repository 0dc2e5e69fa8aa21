import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditTrail1795985348094 implements MigrationInterface {
  name = 'AuditTrail1795985348094';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "audit_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "occurred_at" datetime NOT NULL, "actor_kind" varchar(16) NOT NULL, "actor_id" varchar(36), "actor_ip" varchar(64), "request_id" varchar(128), "action" varchar(64) NOT NULL, "resource_type" varchar(32) NOT NULL, "resource_id" varchar(64), "user_id" varchar(36), "profile_id" varchar(36), "changes" text NOT NULL)',
    );
    await queryRunner.query('CREATE INDEX "ix_audit_profile" ON "audit_events" ("profile_id", "occurred_at") ');
    await queryRunner.query('CREATE INDEX "ix_audit_user" ON "audit_events" ("user_id", "occurred_at") ');
    await queryRunner.query('CREATE INDEX "ix_audit_action" ON "audit_events" ("action", "occurred_at") ');
    await queryRunner.query(
      'CREATE INDEX "ix_audit_resource" ON "audit_events" ("resource_type", "resource_id", "occurred_at") ',
    );
    await queryRunner.query('CREATE INDEX "ix_audit_actor" ON "audit_events" ("actor_id", "occurred_at") ');
    await queryRunner.query('CREATE INDEX "ix_audit_occurred" ON "audit_events" ("occurred_at") ');
    // ADD COLUMN rather than TypeORM's copy-and-rename of the table: renaming `roles` would rewrite the
    // foreign keys of `users` to the temporary name on the way down.
    await queryRunner.query('ALTER TABLE "roles" ADD COLUMN "can_read_audit" boolean NOT NULL DEFAULT (0)');
    await queryRunner.query('ALTER TABLE "roles" ADD COLUMN "can_manage_webhooks" boolean NOT NULL DEFAULT (0)');
    // A role that held every permission (the bootstrap Admin) keeps holding every permission.
    await queryRunner.query(
      'UPDATE roles SET can_read_audit = 1, can_manage_webhooks = 1 WHERE can_read_users = 1 AND can_manage_users = 1 AND can_manage_identities = 1 AND can_manage_api_tokens = 1 AND can_manage_roles = 1',
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
