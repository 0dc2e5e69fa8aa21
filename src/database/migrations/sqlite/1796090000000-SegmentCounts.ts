import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * #14: `identitiesCount` of one condition without reading the segment (see the PostgreSQL migration of
 * the same name). SQLite has one writer at a time, so its triggers add to `identity_segment_counts`
 * directly; `identity_segment_count_changes` stays empty here and exists so that both engines count with
 * the same statement. A later migration that rebuilds `identity_attributes` (SQLite's way of altering a
 * table) drops these triggers with it and must create them again.
 */
export class SegmentCounts1796090000000 implements MigrationInterface {
  name = 'SegmentCounts1796090000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "identity_segment_counts" ("key" varchar(130) NOT NULL, "value_key" varchar(64) NOT NULL, "n" integer NOT NULL, PRIMARY KEY ("key", "value_key"))',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_segment_count_changes" ("key" varchar(130) NOT NULL, "value_key" varchar(64) NOT NULL, "n" integer NOT NULL)',
    );
    const add = (side: 'NEW' | 'OLD', n: number) =>
      `INSERT INTO "identity_segment_counts" ("key", "value_key", "n") SELECT ${side}."key", ${side}."value_key", ${n} WHERE substr(${side}."key", 1, 2) = 'c_' ON CONFLICT ("key", "value_key") DO UPDATE SET "n" = "n" + ${n};` +
      // a value nobody has any more leaves no row (nor the hash of an erased person's value)
      (n < 0
        ? ` DELETE FROM "identity_segment_counts" WHERE "key" = ${side}."key" AND "value_key" = ${side}."value_key" AND "n" = 0;`
        : '');
    await queryRunner.query(
      `CREATE TRIGGER "identity_segment_count_insert" AFTER INSERT ON "identity_attributes" FOR EACH ROW WHEN substr(NEW."key", 1, 2) = 'c_' BEGIN ${add('NEW', 1)} END`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "identity_segment_count_update" AFTER UPDATE ON "identity_attributes" FOR EACH ROW WHEN (substr(OLD."key", 1, 2) = 'c_' OR substr(NEW."key", 1, 2) = 'c_') AND (OLD."key" IS NOT NEW."key" OR OLD."value_key" IS NOT NEW."value_key") BEGIN ${add('OLD', -1)} ${add('NEW', 1)} END`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "identity_segment_count_delete" AFTER DELETE ON "identity_attributes" FOR EACH ROW WHEN substr(OLD."key", 1, 2) = 'c_' BEGIN ${add('OLD', -1)} END`,
    );
    await queryRunner.query(
      `INSERT INTO "identity_segment_counts" ("key", "value_key", "n") SELECT "key", "value_key", count(*) FROM "identity_attributes" WHERE substr("key", 1, 2) = 'c_' GROUP BY "key", "value_key"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const op of ['delete', 'update', 'insert'])
      await queryRunner.query(`DROP TRIGGER "identity_segment_count_${op}"`);
    await queryRunner.query('DROP TABLE "identity_segment_count_changes"');
    await queryRunner.query('DROP TABLE "identity_segment_counts"');
  }
}
