import { MigrationInterface, QueryRunner } from 'typeorm';

export class SessionDetails1795976769112 implements MigrationInterface {
  name = 'SessionDetails1795976769112';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_sessions_user"');
    await queryRunner.query('DROP INDEX "uq_sessions_token_hash"');
    await queryRunner.query(
      'CREATE TABLE "temporary_sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "token_hash" varchar(64) NOT NULL, "user_id" varchar(36) NOT NULL, "expires_at" datetime NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "last_used_at" datetime, "ip_address" varchar(64), "user_agent" varchar(512), CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_sessions"("id", "token_hash", "user_id", "expires_at", "created_at") SELECT "id", "token_hash", "user_id", "expires_at", "created_at" FROM "sessions"',
    );
    await queryRunner.query('DROP TABLE "sessions"');
    await queryRunner.query('ALTER TABLE "temporary_sessions" RENAME TO "sessions"');
    // A session signed in before this migration was last seen, as far as anyone knows, at its sign-in.
    await queryRunner.query('UPDATE "sessions" SET "last_used_at" = "created_at"');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_sessions_token_hash" ON "sessions" ("token_hash") ');
    await queryRunner.query('CREATE INDEX "ix_sessions_expires_at" ON "sessions" ("expires_at") ');
    await queryRunner.query('CREATE INDEX "ix_sessions_user_last_used" ON "sessions" ("user_id", "last_used_at") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_sessions_user_last_used"');
    await queryRunner.query('DROP INDEX "ix_sessions_expires_at"');
    await queryRunner.query('DROP INDEX "uq_sessions_token_hash"');
    await queryRunner.query('ALTER TABLE "sessions" RENAME TO "temporary_sessions"');
    await queryRunner.query(
      'CREATE TABLE "sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "token_hash" varchar(64) NOT NULL, "user_id" varchar(36) NOT NULL, "expires_at" datetime NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)',
    );
    await queryRunner.query(
      'INSERT INTO "sessions"("id", "token_hash", "user_id", "expires_at", "created_at") SELECT "id", "token_hash", "user_id", "expires_at", "created_at" FROM "temporary_sessions"',
    );
    await queryRunner.query('DROP TABLE "temporary_sessions"');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_sessions_token_hash" ON "sessions" ("token_hash") ');
    await queryRunner.query('CREATE INDEX "ix_sessions_user" ON "sessions" ("user_id") ');
  }
}
