import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * #14: `identitiesCount` of one condition without reading the segment. Row triggers on
 * `identity_attributes` append a change (+1 or -1 per custom attribute value) to
 * `identity_segment_count_changes` in the writer's transaction: an insert into a table with no index and
 * no unique key, so writers of one value never wait for each other. The service folds the changes into
 * `identity_segment_counts` every few seconds (one statement that deletes the changes it reads and adds
 * their sums: a reader sees either the changes or their sum, never both or neither), and a count is the
 * folded count plus the changes not yet folded, in one snapshot: exact. Only custom attributes
 * (`c_…`, what a segment names) are counted; an update that keeps the key and the value (a profile's
 * attributes moving in a merge, a value written again) changes nothing. The trigger functions name the
 * tables without a schema, like every migration here: they run with the writer's search_path (the
 * service's schema); a session whose search_path lacks it fails its write instead of losing a count.
 * The counts are built from the existing rows in the same transaction, after the triggers exist (which
 * waits for the writers in flight and holds new ones until the commit).
 */
export class SegmentCounts1796090000000 implements MigrationInterface {
  name = 'SegmentCounts1796090000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "identity_segment_counts" ("key" character varying(130) NOT NULL, "value_key" character varying(64) NOT NULL, "n" bigint NOT NULL, CONSTRAINT "PK_identity_segment_counts" PRIMARY KEY ("key", "value_key"))',
    );
    // a queue that is emptied every few seconds: vacuumed after every 1,000 dead rows, whatever its size
    await queryRunner.query(
      'CREATE TABLE "identity_segment_count_changes" ("key" character varying(130) NOT NULL, "value_key" character varying(64) NOT NULL, "n" integer NOT NULL) WITH (autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_scale_factor = 0)',
    );
    await queryRunner.query(`CREATE FUNCTION "identity_segment_count_insert"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO "identity_segment_count_changes" ("key", "value_key", "n") VALUES (NEW."key", NEW."value_key", 1);
  RETURN NULL;
END
$fn$`);
    await queryRunner.query(`CREATE FUNCTION "identity_segment_count_update"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF substr(OLD."key", 1, 2) = 'c_' THEN
    INSERT INTO "identity_segment_count_changes" ("key", "value_key", "n") VALUES (OLD."key", OLD."value_key", -1);
  END IF;
  IF substr(NEW."key", 1, 2) = 'c_' THEN
    INSERT INTO "identity_segment_count_changes" ("key", "value_key", "n") VALUES (NEW."key", NEW."value_key", 1);
  END IF;
  RETURN NULL;
END
$fn$`);
    await queryRunner.query(`CREATE FUNCTION "identity_segment_count_delete"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO "identity_segment_count_changes" ("key", "value_key", "n") VALUES (OLD."key", OLD."value_key", -1);
  RETURN NULL;
END
$fn$`);
    await queryRunner.query(
      `CREATE TRIGGER "identity_segment_count_insert" AFTER INSERT ON "identity_attributes" FOR EACH ROW WHEN (substr(NEW."key", 1, 2) = 'c_') EXECUTE FUNCTION "identity_segment_count_insert"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "identity_segment_count_update" AFTER UPDATE ON "identity_attributes" FOR EACH ROW WHEN ((substr(OLD."key", 1, 2) = 'c_' OR substr(NEW."key", 1, 2) = 'c_') AND (OLD."key" IS DISTINCT FROM NEW."key" OR OLD."value_key" IS DISTINCT FROM NEW."value_key")) EXECUTE FUNCTION "identity_segment_count_update"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "identity_segment_count_delete" AFTER DELETE ON "identity_attributes" FOR EACH ROW WHEN (substr(OLD."key", 1, 2) = 'c_') EXECUTE FUNCTION "identity_segment_count_delete"()`,
    );
    await queryRunner.query(
      `INSERT INTO "identity_segment_counts" ("key", "value_key", "n") SELECT "key", "value_key", count(*) FROM "identity_attributes" WHERE substr("key", 1, 2) = 'c_' GROUP BY "key", "value_key"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const op of ['delete', 'update', 'insert']) {
      await queryRunner.query(`DROP TRIGGER "identity_segment_count_${op}" ON "identity_attributes"`);
      await queryRunner.query(`DROP FUNCTION "identity_segment_count_${op}"()`);
    }
    await queryRunner.query('DROP TABLE "identity_segment_count_changes"');
    await queryRunner.query('DROP TABLE "identity_segment_counts"');
  }
}
