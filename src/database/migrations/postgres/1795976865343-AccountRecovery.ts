import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Account recovery and email verification (SPEC §7): one-time account tokens, and `users.email_verified`.
 * Accounts linked to an identity profile before this release keep their link and count as verified:
 * until now every account was linked at creation, so a linked account is an existing one, and unlinking
 * it (or asking every existing customer to verify) would take their profile from them.
 */
export class AccountRecovery1795976865343 implements MigrationInterface {
  name = 'AccountRecovery1795976865343';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "account_tokens" ("id" character varying(36) NOT NULL, "user_id" character varying(36) NOT NULL, "purpose" character varying(32) NOT NULL, "token_hash" character varying(64) NOT NULL, "email" character varying(254) NOT NULL, "expires_at" TIMESTAMP NOT NULL, "redeemed_at" TIMESTAMP, "created_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_5e3640c493cc6206a44b885e6a9" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_account_tokens_token_hash" ON "account_tokens"  ("token_hash") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_account_tokens_user_purpose" ON "account_tokens"  ("user_id", "purpose") ',
    );
    await queryRunner.query('ALTER TABLE "users" ADD "email_verified" boolean NOT NULL DEFAULT false');
    await queryRunner.query(
      'ALTER TABLE "account_tokens" ADD CONSTRAINT "FK_1b5fea09efc20c7f63c4a09b3d6" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    // Existing installations: an account linked to a profile today stays linked and counts as verified.
    await queryRunner.query(
      'UPDATE "users" SET "email_verified" = true WHERE "id" IN (SELECT "user_id" FROM "identity_profiles" WHERE "user_id" IS NOT NULL)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "account_tokens" DROP CONSTRAINT "FK_1b5fea09efc20c7f63c4a09b3d6"');
    await queryRunner.query('ALTER TABLE "users" DROP COLUMN "email_verified"');
    await queryRunner.query('DROP INDEX "uq_account_tokens_user_purpose"');
    await queryRunner.query('DROP INDEX "uq_account_tokens_token_hash"');
    await queryRunner.query('DROP TABLE "account_tokens"');
  }
}
