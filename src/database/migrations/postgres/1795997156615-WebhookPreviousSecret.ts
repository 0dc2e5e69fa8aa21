import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * #15: the secret a rotation replaced, and when it stops signing (the rotation's overlap window).
 */
export class WebhookPreviousSecret1795997156615 implements MigrationInterface {
  name = 'WebhookPreviousSecret1795997156615';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "webhook_endpoints" ADD "previous_secret" character varying(100)');
    await queryRunner.query('ALTER TABLE "webhook_endpoints" ADD "previous_secret_expires_at" TIMESTAMP');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "webhook_endpoints" DROP COLUMN "previous_secret_expires_at"');
    await queryRunner.query('ALTER TABLE "webhook_endpoints" DROP COLUMN "previous_secret"');
  }
}
