import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The segment index (custom attributes, in profile id order) replaces (key, value_key), and the
 * redundant unique index on identity_profiles.user_id goes (the relation's constraint stays): see the
 * PostgreSQL migration of the same name. SQLite gets no users email prefix index: its LIKE cannot use
 * one on lower(email).
 */
export class SegmentIndex1795978277472 implements MigrationInterface {
  name = 'SegmentIndex1795978277472';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "uq_identity_profiles_user"');
    await queryRunner.query('DROP INDEX "ix_identity_attributes_key_value"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_attributes_segment" ON "identity_attributes" ("key", "value_key", "profile_id") WHERE substr(key, 1, 2) = \'c_\'',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_identity_attributes_segment"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_attributes_key_value" ON "identity_attributes" ("key", "value_key") ',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_identity_profiles_user" ON "identity_profiles" ("user_id") ');
  }
}
