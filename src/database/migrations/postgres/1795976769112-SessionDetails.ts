import { MigrationInterface, QueryRunner } from 'typeorm';

export class SessionDetails1795976769112 implements MigrationInterface {
  name = 'SessionDetails1795976769112';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_sessions_user"');
    await queryRunner.query('ALTER TABLE "sessions" ADD "last_used_at" TIMESTAMP');
    await queryRunner.query('ALTER TABLE "sessions" ADD "ip_address" character varying(64)');
    await queryRunner.query('ALTER TABLE "sessions" ADD "user_agent" character varying(512)');
    // A session signed in before this migration was last seen, as far as anyone knows, at its sign-in.
    await queryRunner.query('UPDATE "sessions" SET "last_used_at" = "created_at"');
    await queryRunner.query('CREATE INDEX "ix_sessions_expires_at" ON "sessions"  ("expires_at") ');
    await queryRunner.query('CREATE INDEX "ix_sessions_user_last_used" ON "sessions"  ("user_id", "last_used_at") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_sessions_user_last_used"');
    await queryRunner.query('DROP INDEX "ix_sessions_expires_at"');
    await queryRunner.query('ALTER TABLE "sessions" DROP COLUMN "user_agent"');
    await queryRunner.query('ALTER TABLE "sessions" DROP COLUMN "ip_address"');
    await queryRunner.query('ALTER TABLE "sessions" DROP COLUMN "last_used_at"');
    await queryRunner.query('CREATE INDEX "ix_sessions_user" ON "sessions" USING btree ("user_id") ');
  }
}
