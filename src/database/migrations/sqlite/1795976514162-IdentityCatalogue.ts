import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalogue of names the metadata columns answer (IdentityCatalogueEntity), filled once from the
 * data already stored: custom attributes, event names, and each event's parameters (custom ones `c_`).
 */
export class IdentityCatalogue1795976514162 implements MigrationInterface {
  name = 'IdentityCatalogue1795976514162';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "identity_catalogue" ("kind" varchar(9) NOT NULL, "event_name" varchar(128) NOT NULL, "name" varchar(255) NOT NULL, "type" varchar(16) NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), PRIMARY KEY ("kind", "event_name", "name"))',
    );
    await queryRunner.query(
      `INSERT OR IGNORE INTO identity_catalogue (kind, event_name, name, type)
       SELECT 'attribute', '', key, CASE substr(value, 1, 1) WHEN '[' THEN 'array' WHEN '"' THEN 'string'
         WHEN 't' THEN 'boolean' WHEN 'f' THEN 'boolean' ELSE 'number' END
       FROM identity_attributes WHERE substr(key, 1, 2) = 'c_' GROUP BY key`,
    );
    await queryRunner.query(
      `INSERT OR IGNORE INTO identity_catalogue (kind, event_name, name, type)
       SELECT DISTINCT 'event', '', event_name, 'event' FROM identity_events`,
    );
    const type = `CASE p.type WHEN 'true' THEN 'boolean' WHEN 'false' THEN 'boolean' WHEN 'integer' THEN 'number'
      WHEN 'real' THEN 'number' WHEN 'array' THEN 'array' WHEN 'object' THEN 'object' ELSE 'string' END`;
    await queryRunner.query(
      `INSERT OR IGNORE INTO identity_catalogue (kind, event_name, name, type)
       SELECT 'param', e.event_name, p.key, ${type} FROM identity_events e, json_each(e.params) p
       WHERE p.key <> 'custom' AND length(p.key) <= 255`,
    );
    await queryRunner.query(
      `INSERT OR IGNORE INTO identity_catalogue (kind, event_name, name, type)
       SELECT 'param', e.event_name, 'c_' || p.key, ${type} FROM identity_events e, json_each(e.params, '$.custom') p
       WHERE json_type(e.params, '$.custom') = 'object' AND length(p.key) <= 253`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "identity_catalogue"');
  }
}
