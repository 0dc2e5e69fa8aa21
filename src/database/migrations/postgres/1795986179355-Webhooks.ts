import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1795986179355 implements MigrationInterface {
  name = 'Webhooks1795986179355';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "webhook_endpoints" ("id" character varying(36) NOT NULL, "url" character varying(2048) NOT NULL, "description" character varying(500), "events" text NOT NULL, "secret" character varying(100) NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "disabled_reason" character varying(200), "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_054c4cfb95223732f5939d2d546" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('ALTER TABLE "outbox" ADD "target_id" character varying(36)');
    await queryRunner.query('CREATE INDEX "ix_outbox_target" ON "outbox"  ("target_id", "created_at") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_outbox_target"');
    await queryRunner.query('ALTER TABLE "outbox" DROP COLUMN "target_id"');
    await queryRunner.query('DROP TABLE "webhook_endpoints"');
  }
}
