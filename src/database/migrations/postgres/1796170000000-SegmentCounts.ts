import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * #14: `identitiesCount` of one condition (and of every profile) in constant time on PostgreSQL.
 *
 * `identity_segment_counts` holds, per custom attribute value (`key`, `value_key`), how many profiles
 * have it; the row `('', '')` counts the profiles. Statement-level triggers keep it in the writing
 * statement's transaction, one aggregated upsert per statement (transition tables), so the count is
 * exactly what a reader's snapshot holds. Concurrent writers of one value do not queue on one row: each
 * backend adds to its own slot (`pg_backend_pid() % 256`), a count is the sum of the value's slots, and
 * a statement touches its rows in (key, value_key) order. A slot that falls to 0 is deleted, so values
 * nobody has any more leave nothing behind.
 *
 * The triggers are ENABLE ALWAYS: a bulk load under `session_replication_role = replica` (which skips
 * ordinary triggers, the foreign keys' included) keeps the counts too. The table starts from the rows
 * already stored, under a SHARE lock that holds concurrent writers until the triggers exist.
 * SQLite keeps counting the segment index's entries (segment-query.ts).
 */
const CUSTOM = `substr(r."key", 1, 2) = 'c_'`;
const SLOT = '(pg_backend_pid() % 256)::smallint';
const ADD = `ON CONFLICT ("key", "value_key", "slot") DO UPDATE SET "n" = c."n" + excluded."n" RETURNING c."n"`;

/** This backend's slots of the statement's values that fell to 0, removed. */
const dropEmptied = (...tables: string[]) => `IF v_emptied > 0 THEN
    DELETE FROM "identity_segment_counts" c USING (${tables
      .map((t) => `SELECT r."key", r."value_key" FROM ${t} r WHERE ${CUSTOM}`)
      .join(' UNION ')}) o
    WHERE c."key" = o."key" AND c."value_key" = o."value_key" AND c."slot" = ${SLOT} AND c."n" = 0;
  END IF;`;

const FUNCTIONS: [string, string][] = [
  [
    'identity_segment_counts_attributes_inserted',
    `WITH up AS (
    INSERT INTO "identity_segment_counts" AS c ("key", "value_key", "slot", "n")
    SELECT r."key", r."value_key", ${SLOT}, count(*) FROM new_rows r WHERE ${CUSTOM}
    GROUP BY r."key", r."value_key" ORDER BY r."key", r."value_key"
    ${ADD})
  SELECT count(*) INTO v_emptied FROM up WHERE up."n" = 0;
  ${dropEmptied('new_rows')}`,
  ],
  [
    'identity_segment_counts_attributes_updated',
    `WITH d AS (
    SELECT x."key", x."value_key", sum(x."delta") AS "delta" FROM (
      SELECT r."key", r."value_key", -1 AS "delta" FROM old_rows r WHERE ${CUSTOM}
      UNION ALL
      SELECT r."key", r."value_key", 1 FROM new_rows r WHERE ${CUSTOM}
    ) x GROUP BY x."key", x."value_key" HAVING sum(x."delta") <> 0
  ), up AS (
    INSERT INTO "identity_segment_counts" AS c ("key", "value_key", "slot", "n")
    SELECT d."key", d."value_key", ${SLOT}, d."delta" FROM d ORDER BY d."key", d."value_key"
    ${ADD})
  SELECT count(*) INTO v_emptied FROM up WHERE up."n" = 0;
  ${dropEmptied('old_rows', 'new_rows')}`,
  ],
  [
    'identity_segment_counts_attributes_deleted',
    `WITH up AS (
    INSERT INTO "identity_segment_counts" AS c ("key", "value_key", "slot", "n")
    SELECT r."key", r."value_key", ${SLOT}, -count(*) FROM old_rows r WHERE ${CUSTOM}
    GROUP BY r."key", r."value_key" ORDER BY r."key", r."value_key"
    ${ADD})
  SELECT count(*) INTO v_emptied FROM up WHERE up."n" = 0;
  ${dropEmptied('old_rows')}`,
  ],
  [
    'identity_segment_counts_profiles_inserted',
    `INSERT INTO "identity_segment_counts" AS c ("key", "value_key", "slot", "n")
  SELECT '', '', ${SLOT}, count(*) FROM new_rows HAVING count(*) > 0
  ON CONFLICT ("key", "value_key", "slot") DO UPDATE SET "n" = c."n" + excluded."n";`,
  ],
  [
    'identity_segment_counts_profiles_deleted',
    `INSERT INTO "identity_segment_counts" AS c ("key", "value_key", "slot", "n")
  SELECT '', '', ${SLOT}, -count(*) FROM old_rows HAVING count(*) > 0
  ON CONFLICT ("key", "value_key", "slot") DO UPDATE SET "n" = c."n" + excluded."n";`,
  ],
];

/** [trigger, table, event, transition tables, function] */
const TRIGGERS: [string, string, string, string, string][] = [
  [
    'tr_identity_attributes_counted_insert',
    'identity_attributes',
    'INSERT',
    'NEW TABLE AS new_rows',
    'identity_segment_counts_attributes_inserted',
  ],
  [
    'tr_identity_attributes_counted_update',
    'identity_attributes',
    'UPDATE',
    'OLD TABLE AS old_rows NEW TABLE AS new_rows',
    'identity_segment_counts_attributes_updated',
  ],
  [
    'tr_identity_attributes_counted_delete',
    'identity_attributes',
    'DELETE',
    'OLD TABLE AS old_rows',
    'identity_segment_counts_attributes_deleted',
  ],
  [
    'tr_identity_profiles_counted_insert',
    'identity_profiles',
    'INSERT',
    'NEW TABLE AS new_rows',
    'identity_segment_counts_profiles_inserted',
  ],
  [
    'tr_identity_profiles_counted_delete',
    'identity_profiles',
    'DELETE',
    'OLD TABLE AS old_rows',
    'identity_segment_counts_profiles_deleted',
  ],
];

export class SegmentCounts1796170000000 implements MigrationInterface {
  name = 'SegmentCounts1796170000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "identity_segment_counts" ("key" character varying(130) NOT NULL, "value_key" character varying(64) NOT NULL, "slot" smallint NOT NULL, "n" bigint NOT NULL, CONSTRAINT "PK_identity_segment_counts" PRIMARY KEY ("key", "value_key", "slot"))',
    );
    for (const [name, body] of FUNCTIONS) {
      await queryRunner.query(`CREATE FUNCTION "${name}"() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v_emptied bigint := 0;
BEGIN
  ${body}
  RETURN NULL;
END
$fn$`);
    }
    // writers wait from here to the commit: the counts start from every row, and miss none after
    await queryRunner.query('LOCK TABLE "identity_profiles", "identity_attributes" IN SHARE MODE');
    await queryRunner.query(
      `INSERT INTO "identity_segment_counts" ("key", "value_key", "slot", "n")
       SELECT r."key", r."value_key", 0, count(*) FROM "identity_attributes" r WHERE ${CUSTOM} GROUP BY r."key", r."value_key"`,
    );
    await queryRunner.query(
      `INSERT INTO "identity_segment_counts" ("key", "value_key", "slot", "n")
       SELECT '', '', 0, count(*) FROM "identity_profiles" HAVING count(*) > 0`,
    );
    for (const [trigger, table, event, transition, fn] of TRIGGERS) {
      await queryRunner.query(
        `CREATE TRIGGER "${trigger}" AFTER ${event} ON "${table}" REFERENCING ${transition} FOR EACH STATEMENT EXECUTE FUNCTION "${fn}"()`,
      );
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ALWAYS TRIGGER "${trigger}"`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [trigger, table] of [...TRIGGERS].reverse()) {
      await queryRunner.query(`DROP TRIGGER "${trigger}" ON "${table}"`);
    }
    for (const [name] of [...FUNCTIONS].reverse()) await queryRunner.query(`DROP FUNCTION "${name}"()`);
    await queryRunner.query('DROP TABLE "identity_segment_counts"');
  }
}
