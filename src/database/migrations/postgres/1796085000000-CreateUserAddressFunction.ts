import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * #14: createActiveUserAddress in one round trip on PostgreSQL. The function locks the owner, then
 * counts their addresses, clears the billing flag when the new one is the billing address, inserts the
 * address and its audit entry: each of its statements takes a fresh snapshot (a VOLATILE function under
 * READ COMMITTED), so the count and the billing flag see every address committed before the lock was
 * granted (one statement that locked and counted at once saw the snapshot from before it waited). The
 * rows come as JSON keyed by column (values as PostgreSQL's text input takes them); the caller checks
 * the count it answers and writes nothing else. No owner: no row.
 */
export class CreateUserAddressFunction1796085000000 implements MigrationInterface {
  name = 'CreateUserAddressFunction1796085000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE FUNCTION "create_user_address"(p_user_id character varying, p_max integer, p_address jsonb, p_audit jsonb)
RETURNS TABLE ("owner" "users", "address_count" integer)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_owner "users";
  v_count integer;
BEGIN
  SELECT u.* INTO v_owner FROM "users" u WHERE u."id" = p_user_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT count(*) INTO v_count FROM "addresses" a WHERE a."user_id" = p_user_id;
  IF v_count < p_max THEN
    IF (p_address ->> 'is_billing')::boolean THEN
      UPDATE "addresses" SET "is_billing" = false WHERE "user_id" = p_user_id AND "is_billing";
    END IF;
    INSERT INTO "addresses" SELECT * FROM jsonb_populate_record(NULL::"addresses", p_address);
    INSERT INTO "audit_events" SELECT * FROM jsonb_populate_record(NULL::"audit_events", p_audit);
  END IF;
  RETURN QUERY SELECT v_owner, v_count;
END
$fn$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION "create_user_address"(character varying, integer, jsonb, jsonb)');
  }
}
