import { MigrationInterface, QueryRunner } from 'typeorm';

export class IdentityPrivacy1795985231594 implements MigrationInterface {
  name = 'IdentityPrivacy1795985231594';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "identity_aliases" ("id" varchar(36) PRIMARY KEY NOT NULL, "profile_id" varchar(36) NOT NULL, "type" varchar(72) NOT NULL, "value" varchar(255) NOT NULL, "merge_id" varchar(36) NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query('CREATE INDEX "ix_identity_aliases_profile" ON "identity_aliases" ("profile_id") ');
    await queryRunner.query('CREATE INDEX "ix_identity_aliases_merge" ON "identity_aliases" ("merge_id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_aliases_type_value" ON "identity_aliases" ("type", "value") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_merges" ("id" varchar(36) PRIMARY KEY NOT NULL, "survivor_id" varchar(36) NOT NULL, "merged_ids" text NOT NULL, "conflicts" text NOT NULL, "snapshot" text NOT NULL, "actor" varchar(80) NOT NULL, "reason" varchar(500), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "unmerged_at" datetime)',
    );
    await queryRunner.query('CREATE INDEX "ix_identity_merges_survivor" ON "identity_merges" ("survivor_id") ');
    await queryRunner.query(
      'CREATE TABLE "identity_merge_profiles" ("merge_id" varchar(36) NOT NULL, "profile_id" varchar(36) NOT NULL, PRIMARY KEY ("merge_id", "profile_id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_identity_merge_profiles_profile" ON "identity_merge_profiles" ("profile_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_suppressions" ("hash" varchar(64) PRIMARY KEY NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_erasures" ("id" varchar(36) PRIMARY KEY NOT NULL, "counts" text NOT NULL, "actor" varchar(80) NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'CREATE TABLE "temporary_identity_settings" ("id" integer PRIMARY KEY NOT NULL, "enabled_identifiers" text NOT NULL, "custom_identifiers" text NOT NULL, "blocked_values" text NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "merge_on_upsert" boolean NOT NULL DEFAULT (0))',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_identity_settings"("id", "enabled_identifiers", "custom_identifiers", "blocked_values", "updated_at") SELECT "id", "enabled_identifiers", "custom_identifiers", "blocked_values", "updated_at" FROM "identity_settings"',
    );
    await queryRunner.query('DROP TABLE "identity_settings"');
    await queryRunner.query('ALTER TABLE "temporary_identity_settings" RENAME TO "identity_settings"');
    await queryRunner.query('DROP INDEX "ix_identity_aliases_profile"');
    await queryRunner.query('DROP INDEX "ix_identity_aliases_merge"');
    await queryRunner.query('DROP INDEX "uq_identity_aliases_type_value"');
    await queryRunner.query(
      'CREATE TABLE "temporary_identity_aliases" ("id" varchar(36) PRIMARY KEY NOT NULL, "profile_id" varchar(36) NOT NULL, "type" varchar(72) NOT NULL, "value" varchar(255) NOT NULL, "merge_id" varchar(36) NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "FK_6baea7727314c22a21c0b53cc84" FOREIGN KEY ("profile_id") REFERENCES "identity_profiles" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_identity_aliases"("id", "profile_id", "type", "value", "merge_id", "created_at") SELECT "id", "profile_id", "type", "value", "merge_id", "created_at" FROM "identity_aliases"',
    );
    await queryRunner.query('DROP TABLE "identity_aliases"');
    await queryRunner.query('ALTER TABLE "temporary_identity_aliases" RENAME TO "identity_aliases"');
    await queryRunner.query('CREATE INDEX "ix_identity_aliases_profile" ON "identity_aliases" ("profile_id") ');
    await queryRunner.query('CREATE INDEX "ix_identity_aliases_merge" ON "identity_aliases" ("merge_id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_aliases_type_value" ON "identity_aliases" ("type", "value") ',
    );
    await queryRunner.query('DROP INDEX "ix_identity_merge_profiles_profile"');
    await queryRunner.query(
      'CREATE TABLE "temporary_identity_merge_profiles" ("merge_id" varchar(36) NOT NULL, "profile_id" varchar(36) NOT NULL, CONSTRAINT "FK_6433a99f8775e71c0efbdb5ff65" FOREIGN KEY ("merge_id") REFERENCES "identity_merges" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("merge_id", "profile_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_identity_merge_profiles"("merge_id", "profile_id") SELECT "merge_id", "profile_id" FROM "identity_merge_profiles"',
    );
    await queryRunner.query('DROP TABLE "identity_merge_profiles"');
    await queryRunner.query('ALTER TABLE "temporary_identity_merge_profiles" RENAME TO "identity_merge_profiles"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_merge_profiles_profile" ON "identity_merge_profiles" ("profile_id") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_identity_merge_profiles_profile"');
    await queryRunner.query('ALTER TABLE "identity_merge_profiles" RENAME TO "temporary_identity_merge_profiles"');
    await queryRunner.query(
      'CREATE TABLE "identity_merge_profiles" ("merge_id" varchar(36) NOT NULL, "profile_id" varchar(36) NOT NULL, PRIMARY KEY ("merge_id", "profile_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "identity_merge_profiles"("merge_id", "profile_id") SELECT "merge_id", "profile_id" FROM "temporary_identity_merge_profiles"',
    );
    await queryRunner.query('DROP TABLE "temporary_identity_merge_profiles"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_merge_profiles_profile" ON "identity_merge_profiles" ("profile_id") ',
    );
    await queryRunner.query('DROP INDEX "uq_identity_aliases_type_value"');
    await queryRunner.query('DROP INDEX "ix_identity_aliases_merge"');
    await queryRunner.query('DROP INDEX "ix_identity_aliases_profile"');
    await queryRunner.query('ALTER TABLE "identity_aliases" RENAME TO "temporary_identity_aliases"');
    await queryRunner.query(
      'CREATE TABLE "identity_aliases" ("id" varchar(36) PRIMARY KEY NOT NULL, "profile_id" varchar(36) NOT NULL, "type" varchar(72) NOT NULL, "value" varchar(255) NOT NULL, "merge_id" varchar(36) NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'INSERT INTO "identity_aliases"("id", "profile_id", "type", "value", "merge_id", "created_at") SELECT "id", "profile_id", "type", "value", "merge_id", "created_at" FROM "temporary_identity_aliases"',
    );
    await queryRunner.query('DROP TABLE "temporary_identity_aliases"');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_aliases_type_value" ON "identity_aliases" ("type", "value") ',
    );
    await queryRunner.query('CREATE INDEX "ix_identity_aliases_merge" ON "identity_aliases" ("merge_id") ');
    await queryRunner.query('CREATE INDEX "ix_identity_aliases_profile" ON "identity_aliases" ("profile_id") ');
    await queryRunner.query('ALTER TABLE "identity_settings" RENAME TO "temporary_identity_settings"');
    await queryRunner.query(
      'CREATE TABLE "identity_settings" ("id" integer PRIMARY KEY NOT NULL, "enabled_identifiers" text NOT NULL, "custom_identifiers" text NOT NULL, "blocked_values" text NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'INSERT INTO "identity_settings"("id", "enabled_identifiers", "custom_identifiers", "blocked_values", "updated_at") SELECT "id", "enabled_identifiers", "custom_identifiers", "blocked_values", "updated_at" FROM "temporary_identity_settings"',
    );
    await queryRunner.query('DROP TABLE "temporary_identity_settings"');
    await queryRunner.query('DROP TABLE "identity_erasures"');
    await queryRunner.query('DROP TABLE "identity_suppressions"');
    await queryRunner.query('DROP INDEX "ix_identity_merge_profiles_profile"');
    await queryRunner.query('DROP TABLE "identity_merge_profiles"');
    await queryRunner.query('DROP INDEX "ix_identity_merges_survivor"');
    await queryRunner.query('DROP TABLE "identity_merges"');
    await queryRunner.query('DROP INDEX "uq_identity_aliases_type_value"');
    await queryRunner.query('DROP INDEX "ix_identity_aliases_merge"');
    await queryRunner.query('DROP INDEX "ix_identity_aliases_profile"');
    await queryRunner.query('DROP TABLE "identity_aliases"');
  }
}
