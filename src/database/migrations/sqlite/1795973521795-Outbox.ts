import { MigrationInterface, QueryRunner } from 'typeorm';

export class Outbox1795973521795 implements MigrationInterface {
  name = 'Outbox1795973521795';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "outbox" ("id" varchar(36) PRIMARY KEY NOT NULL, "kind" varchar(32) NOT NULL, "payload" text NOT NULL, "status" varchar(16) NOT NULL DEFAULT (\'pending\'), "attempts" integer NOT NULL DEFAULT (0), "next_attempt_at" datetime NOT NULL, "locked_until" datetime, "last_error" varchar(500), "subject_key" varchar(128), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "last_attempt_at" datetime, "sent_at" datetime)',
    );
    await queryRunner.query('CREATE INDEX "ix_outbox_subject" ON "outbox" ("subject_key") ');
    await queryRunner.query('CREATE INDEX "ix_outbox_lease" ON "outbox" ("status", "locked_until") ');
    await queryRunner.query('CREATE INDEX "ix_outbox_due" ON "outbox" ("status", "next_attempt_at") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_outbox_due"');
    await queryRunner.query('DROP INDEX "ix_outbox_lease"');
    await queryRunner.query('DROP INDEX "ix_outbox_subject"');
    await queryRunner.query('DROP TABLE "outbox"');
  }
}
