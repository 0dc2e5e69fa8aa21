import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalogue of names the metadata columns answer (IdentityCatalogueEntity), filled once from the
 * data already stored: custom attributes, event names, and each event's parameters (custom ones `c_`).
 */
export class IdentityCatalogue1795976514162 implements MigrationInterface {
  name = 'IdentityCatalogue1795976514162';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "identity_catalogue" ("kind" character varying(9) NOT NULL, "event_name" character varying(128) NOT NULL, "name" character varying(255) NOT NULL, "type" character varying(16) NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_8fb4c92267fb26f8c55774f770b" PRIMARY KEY ("kind", "event_name", "name"))',
    );
    await queryRunner.query(
      `INSERT INTO identity_catalogue (kind, event_name, name, type)
       SELECT DISTINCT ON (key) 'attribute', '', key, CASE left(value, 1) WHEN '[' THEN 'array' WHEN '"' THEN 'string'
         WHEN 't' THEN 'boolean' WHEN 'f' THEN 'boolean' ELSE 'number' END
       FROM identity_attributes WHERE left(key, 2) = 'c_' ORDER BY key
       ON CONFLICT DO NOTHING`,
    );
    await queryRunner.query(
      `INSERT INTO identity_catalogue (kind, event_name, name, type)
       SELECT DISTINCT 'event', '', event_name, 'event' FROM identity_events
       ON CONFLICT DO NOTHING`,
    );
    const type = `CASE jsonb_typeof(p.value) WHEN 'null' THEN 'string' ELSE jsonb_typeof(p.value) END`;
    await queryRunner.query(
      `INSERT INTO identity_catalogue (kind, event_name, name, type)
       SELECT 'param', e.event_name, p.key, ${type}
       FROM identity_events e CROSS JOIN LATERAL jsonb_each(e.params::jsonb) p
       WHERE p.key <> 'custom' AND length(p.key) <= 255
       ON CONFLICT DO NOTHING`,
    );
    await queryRunner.query(
      `INSERT INTO identity_catalogue (kind, event_name, name, type)
       SELECT 'param', e.event_name, 'c_' || p.key, ${type}
       FROM identity_events e CROSS JOIN LATERAL jsonb_each(e.params::jsonb -> 'custom') p
       WHERE jsonb_typeof(e.params::jsonb -> 'custom') = 'object' AND length(p.key) <= 253
       ON CONFLICT DO NOTHING`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "identity_catalogue"');
  }
}
