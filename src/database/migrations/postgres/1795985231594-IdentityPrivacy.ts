import { MigrationInterface, QueryRunner } from 'typeorm';

export class IdentityPrivacy1795985231594 implements MigrationInterface {
  name = 'IdentityPrivacy1795985231594';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "identity_aliases" ("id" character varying(36) NOT NULL, "profile_id" character varying(36) NOT NULL, "type" character varying(72) NOT NULL, "value" character varying(255) NOT NULL, "merge_id" character varying(36) NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_60a5933a0cc03f7e0e40bd27a63" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_identity_aliases_profile" ON "identity_aliases"  ("profile_id") ');
    await queryRunner.query('CREATE INDEX "ix_identity_aliases_merge" ON "identity_aliases"  ("merge_id") ');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_aliases_type_value" ON "identity_aliases"  ("type", "value") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_merges" ("id" character varying(36) NOT NULL, "survivor_id" character varying(36) NOT NULL, "merged_ids" text NOT NULL, "conflicts" text NOT NULL, "snapshot" text NOT NULL, "actor" character varying(80) NOT NULL, "reason" character varying(500), "created_at" TIMESTAMP NOT NULL DEFAULT now(), "unmerged_at" TIMESTAMP, CONSTRAINT "PK_0ee282b0b61bb93477c1096cd3b" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_identity_merges_survivor" ON "identity_merges"  ("survivor_id") ');
    await queryRunner.query(
      'CREATE TABLE "identity_merge_profiles" ("merge_id" character varying(36) NOT NULL, "profile_id" character varying(36) NOT NULL, CONSTRAINT "PK_1fc959a88479e206decab80db5d" PRIMARY KEY ("merge_id", "profile_id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_identity_merge_profiles_profile" ON "identity_merge_profiles"  ("profile_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_suppressions" ("hash" character varying(64) NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_d5dfb6b6f1dc3af0b1913c84b4a" PRIMARY KEY ("hash"))',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_erasures" ("id" character varying(36) NOT NULL, "counts" text NOT NULL, "actor" character varying(80) NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_53ad676694df4cd242cbc0329ce" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('ALTER TABLE "identity_settings" ADD "merge_on_upsert" boolean NOT NULL DEFAULT false');
    await queryRunner.query(
      'ALTER TABLE "identity_aliases" ADD CONSTRAINT "FK_6baea7727314c22a21c0b53cc84" FOREIGN KEY ("profile_id") REFERENCES "identity_profiles"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "identity_merge_profiles" ADD CONSTRAINT "FK_6433a99f8775e71c0efbdb5ff65" FOREIGN KEY ("merge_id") REFERENCES "identity_merges"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "identity_merge_profiles" DROP CONSTRAINT "FK_6433a99f8775e71c0efbdb5ff65"');
    await queryRunner.query('ALTER TABLE "identity_aliases" DROP CONSTRAINT "FK_6baea7727314c22a21c0b53cc84"');
    await queryRunner.query('ALTER TABLE "identity_settings" DROP COLUMN "merge_on_upsert"');
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
