import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for data that grows (issue 14 item 4), measured with bench/explain.mjs at 1,000,000 profiles:
 *
 * - `ix_identity_attributes_segment` (key, value_key, profile_id), custom attributes only, replaces
 *   (key, value_key): a segment's profiles are one range of it in id order, so a page (first or after a
 *   cursor) and an AND of conditions are ranges and merges of ranges, and a count reads only the index.
 * - `st_identity_attributes_segment`: statistics on the key, the value and the index's predicate
 *   together (PostgreSQL 14+), so the planner knows how many profiles a value has (without them it
 *   multiplies three independent guesses and is a thousand times off).
 * - `ix_users_email_prefix` (lower(email) text_pattern_ops): `users(where: { email: { startsWith } })`
 *   and its count by range instead of a walk over every user (9 s at 1,000,000 users). An expression
 *   index: TypeORM's model does not describe it and leaves it alone.
 * - `uq_identity_profiles_user` goes: the one-to-one relation's constraint (REL_…) already makes
 *   user_id unique, and every new profile paid for both.
 *
 * The index builds take the attribute table's write lock while they run (about 10 s per million
 * profiles with two custom attributes each on the bench machine); ANALYZE then makes the statistics.
 */
export class SegmentIndex1795978277472 implements MigrationInterface {
  name = 'SegmentIndex1795978277472';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "uq_identity_profiles_user"');
    await queryRunner.query('DROP INDEX "ix_identity_attributes_key_value"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_attributes_segment" ON "identity_attributes"  ("key", "value_key", "profile_id") WHERE substr(key, 1, 2) = \'c_\'',
    );
    await queryRunner.query(`DO $$ BEGIN
      IF current_setting('server_version_num')::int >= 140000 THEN
        CREATE STATISTICS "st_identity_attributes_segment" (mcv) ON "key", "value_key", (substr(key, 1, 2)) FROM "identity_attributes";
      END IF;
    END $$`);
    await queryRunner.query('CREATE INDEX "ix_users_email_prefix" ON "users" (lower("email") text_pattern_ops)');
    // The new statistics and the expression's are made by ANALYZE only: until then the planner would
    // not know them (a sample of 30,000 rows per table: well under a second at a million).
    await queryRunner.query('ANALYZE "identity_attributes"');
    await queryRunner.query('ANALYZE "users"');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_users_email_prefix"');
    await queryRunner.query('DROP STATISTICS IF EXISTS "st_identity_attributes_segment"');
    await queryRunner.query('DROP INDEX "ix_identity_attributes_segment"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_attributes_key_value" ON "identity_attributes" USING btree ("key", "value_key") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_profiles_user" ON "identity_profiles" USING btree ("user_id") ',
    );
  }
}
