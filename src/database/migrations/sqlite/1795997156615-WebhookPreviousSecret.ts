import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * #15: the secret a rotation replaced, and when it stops signing (the rotation's overlap window).
 */
export class WebhookPreviousSecret1795997156615 implements MigrationInterface {
  name = 'WebhookPreviousSecret1795997156615';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "temporary_webhook_endpoints" ("id" varchar(36) PRIMARY KEY NOT NULL, "url" varchar(2048) NOT NULL, "description" varchar(500), "events" text NOT NULL, "secret" varchar(100) NOT NULL, "enabled" boolean NOT NULL DEFAULT (1), "disabled_reason" varchar(200), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "previous_secret" varchar(100), "previous_secret_expires_at" datetime)',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_webhook_endpoints"("id", "url", "description", "events", "secret", "enabled", "disabled_reason", "created_at", "updated_at") SELECT "id", "url", "description", "events", "secret", "enabled", "disabled_reason", "created_at", "updated_at" FROM "webhook_endpoints"',
    );
    await queryRunner.query('DROP TABLE "webhook_endpoints"');
    await queryRunner.query('ALTER TABLE "temporary_webhook_endpoints" RENAME TO "webhook_endpoints"');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "webhook_endpoints" RENAME TO "temporary_webhook_endpoints"');
    await queryRunner.query(
      'CREATE TABLE "webhook_endpoints" ("id" varchar(36) PRIMARY KEY NOT NULL, "url" varchar(2048) NOT NULL, "description" varchar(500), "events" text NOT NULL, "secret" varchar(100) NOT NULL, "enabled" boolean NOT NULL DEFAULT (1), "disabled_reason" varchar(200), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'INSERT INTO "webhook_endpoints"("id", "url", "description", "events", "secret", "enabled", "disabled_reason", "created_at", "updated_at") SELECT "id", "url", "description", "events", "secret", "enabled", "disabled_reason", "created_at", "updated_at" FROM "temporary_webhook_endpoints"',
    );
    await queryRunner.query('DROP TABLE "temporary_webhook_endpoints"');
  }
}
