import { MigrationInterface, QueryRunner } from 'typeorm';

export class Outbox1795973521795 implements MigrationInterface {
  name = 'Outbox1795973521795';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "outbox" ("id" character varying(36) NOT NULL, "kind" character varying(32) NOT NULL, "payload" text NOT NULL, "status" character varying(16) NOT NULL DEFAULT \'pending\', "attempts" integer NOT NULL DEFAULT \'0\', "next_attempt_at" TIMESTAMP NOT NULL, "locked_until" TIMESTAMP, "last_error" character varying(500), "subject_key" character varying(128), "created_at" TIMESTAMP NOT NULL DEFAULT now(), "last_attempt_at" TIMESTAMP, "sent_at" TIMESTAMP, CONSTRAINT "PK_340ab539f309f03bdaa14aa7649" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_outbox_subject" ON "outbox"  ("subject_key") ');
    await queryRunner.query('CREATE INDEX "ix_outbox_lease" ON "outbox"  ("status", "locked_until") ');
    await queryRunner.query('CREATE INDEX "ix_outbox_due" ON "outbox"  ("status", "next_attempt_at") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_outbox_due"');
    await queryRunner.query('DROP INDEX "ix_outbox_lease"');
    await queryRunner.query('DROP INDEX "ix_outbox_subject"');
    await queryRunner.query('DROP TABLE "outbox"');
  }
}
