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
      'CREATE TABLE "account_tokens" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36) NOT NULL, "purpose" varchar(32) NOT NULL, "token_hash" varchar(64) NOT NULL, "email" varchar(254) NOT NULL, "expires_at" datetime NOT NULL, "redeemed_at" datetime, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "FK_1b5fea09efc20c7f63c4a09b3d6" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_account_tokens_token_hash" ON "account_tokens" ("token_hash") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_account_tokens_user_purpose" ON "account_tokens" ("user_id", "purpose") ',
    );
    await queryRunner.query('ALTER TABLE "users" ADD COLUMN "email_verified" boolean NOT NULL DEFAULT (0)');
    // Existing installations: an account linked to a profile today stays linked and counts as verified.
    await queryRunner.query(
      'UPDATE "users" SET "email_verified" = 1 WHERE "id" IN (SELECT "user_id" FROM "identity_profiles" WHERE "user_id" IS NOT NULL)',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "users" DROP COLUMN "email_verified"');
    await queryRunner.query('DROP INDEX "uq_account_tokens_user_purpose"');
    await queryRunner.query('DROP INDEX "uq_account_tokens_token_hash"');
    await queryRunner.query('DROP TABLE "account_tokens"');
  }
}
