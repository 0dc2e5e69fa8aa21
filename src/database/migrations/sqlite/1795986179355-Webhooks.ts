import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1795986179355 implements MigrationInterface {
  name = 'Webhooks1795986179355';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "webhook_endpoints" ("id" varchar(36) PRIMARY KEY NOT NULL, "url" varchar(2048) NOT NULL, "description" varchar(500), "events" text NOT NULL, "secret" varchar(100) NOT NULL, "enabled" boolean NOT NULL DEFAULT (1), "disabled_reason" varchar(200), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query('DROP INDEX "ix_outbox_due"');
    await queryRunner.query('DROP INDEX "ix_outbox_lease"');
    await queryRunner.query('DROP INDEX "ix_outbox_subject"');
    await queryRunner.query(
      'CREATE TABLE "temporary_outbox" ("id" varchar(36) PRIMARY KEY NOT NULL, "kind" varchar(32) NOT NULL, "payload" text NOT NULL, "status" varchar(16) NOT NULL DEFAULT (\'pending\'), "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime NOT NULL, "locked_until" datetime, "last_error" varchar(500), "subject_key" varchar(128), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "last_attempt_at" datetime, "sent_at" datetime, "target_id" varchar(36))',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_outbox"("id", "kind", "payload", "status", "attempts", "next_attempt_at", "locked_until", "last_error", "subject_key", "created_at", "last_attempt_at", "sent_at") SELECT "id", "kind", "payload", "status", "attempts", "next_attempt_at", "locked_until", "last_error", "subject_key", "created_at", "last_attempt_at", "sent_at" FROM "outbox"',
    );
    await queryRunner.query('DROP TABLE "outbox"');
    await queryRunner.query('ALTER TABLE "temporary_outbox" RENAME TO "outbox"');
    await queryRunner.query('CREATE INDEX "ix_outbox_due" ON "outbox" ("status", "next_attempt_at") ');
    await queryRunner.query('CREATE INDEX "ix_outbox_lease" ON "outbox" ("status", "locked_until") ');
    await queryRunner.query('CREATE INDEX "ix_outbox_subject" ON "outbox" ("subject_key") ');
    await queryRunner.query('CREATE INDEX "ix_outbox_target" ON "outbox" ("target_id", "created_at") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_outbox_target"');
    await queryRunner.query('DROP INDEX "ix_outbox_subject"');
    await queryRunner.query('DROP INDEX "ix_outbox_lease"');
    await queryRunner.query('DROP INDEX "ix_outbox_due"');
    await queryRunner.query('ALTER TABLE "outbox" RENAME TO "temporary_outbox"');
    await queryRunner.query(
      'CREATE TABLE "outbox" ("id" varchar(36) PRIMARY KEY NOT NULL, "kind" varchar(32) NOT NULL, "payload" text NOT NULL, "status" varchar(16) NOT NULL DEFAULT (\'pending\'), "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime NOT NULL, "locked_until" datetime, "last_error" varchar(500), "subject_key" varchar(128), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "last_attempt_at" datetime, "sent_at" datetime)',
    );
    await queryRunner.query(
      'INSERT INTO "outbox"("id", "kind", "payload", "status", "attempts", "next_attempt_at", "locked_until", "last_error", "subject_key", "created_at", "last_attempt_at", "sent_at") SELECT "id", "kind", "payload", "status", "attempts", "next_attempt_at", "locked_until", "last_error", "subject_key", "created_at", "last_attempt_at", "sent_at" FROM "temporary_outbox"',
    );
    await queryRunner.query('DROP TABLE "temporary_outbox"');
    await queryRunner.query('CREATE INDEX "ix_outbox_subject" ON "outbox" ("subject_key") ');
    await queryRunner.query('CREATE INDEX "ix_outbox_lease" ON "outbox" ("status", "locked_until") ');
    await queryRunner.query('CREATE INDEX "ix_outbox_due" ON "outbox" ("status", "next_attempt_at") ');
    await queryRunner.query('DROP TABLE "webhook_endpoints"');
  }
}
