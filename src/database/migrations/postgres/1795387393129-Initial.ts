import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795387393129 implements MigrationInterface {
  name = 'Initial1795387393129';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "roles" ("id" character varying(36) NOT NULL, "name" character varying(100) NOT NULL, "can_read_users" boolean NOT NULL DEFAULT false, "can_manage_users" boolean NOT NULL DEFAULT false, "can_manage_identities" boolean NOT NULL DEFAULT false, "can_manage_api_tokens" boolean NOT NULL DEFAULT false, "can_manage_roles" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_c1433d71a4838793a49dcad46ab" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_roles_name" ON "roles"  ("name") ');
    await queryRunner.query(
      'CREATE TABLE "users" ("id" character varying(36) NOT NULL, "name" character varying(200), "email" character varying(254), "password_hash" character varying(255), "phone" character varying(16), "onboarding_status" character varying(20) NOT NULL DEFAULT \'not_started\', "order_webhook_url" character varying(2048), "role_id" character varying(36), "customer_token_hash" character varying(64), "token_generated_at" TIMESTAMP, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_email" ON "users"  ("email") ');
    await queryRunner.query('CREATE INDEX "ix_users_role" ON "users"  ("role_id") ');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_customer_token_hash" ON "users"  ("customer_token_hash") ');
    await queryRunner.query(
      'CREATE TABLE "countries" ("id" character varying(2) NOT NULL, "iso2" character varying(2) NOT NULL, "iso3" character varying(3), "name" character varying(100) NOT NULL, CONSTRAINT "PK_b2d7006793e8697ab3ae2deff18" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_countries_iso2" ON "countries"  ("iso2") ');
    await queryRunner.query(
      'CREATE TABLE "addresses" ("id" character varying(36) NOT NULL, "user_id" character varying(36) NOT NULL, "first_name" character varying(100), "last_name" character varying(100), "company" character varying(200), "address1" character varying(200), "address2" character varying(200), "city" character varying(100), "province" character varying(100), "postal_code" character varying(20), "phone" character varying(16), "is_billing" boolean NOT NULL DEFAULT false, "country_id" character varying(2), "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_745d8f43d3af10ab8247465e450" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_addresses_user" ON "addresses"  ("user_id") ');
    await queryRunner.query('CREATE INDEX "ix_addresses_country" ON "addresses"  ("country_id") ');
    await queryRunner.query(
      'CREATE TABLE "api_tokens" ("id" character varying(36) NOT NULL, "name" character varying(100) NOT NULL, "scopes" text NOT NULL, "token_hash" character varying(64) NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP, "revoked_at" TIMESTAMP, CONSTRAINT "PK_c587455266b5fa8dace7194caac" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_api_tokens_token_hash" ON "api_tokens"  ("token_hash") ');
    await queryRunner.query(
      'CREATE TABLE "sessions" ("id" character varying(36) NOT NULL, "token_hash" character varying(64) NOT NULL, "user_id" character varying(36) NOT NULL, "expires_at" TIMESTAMP NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_sessions_token_hash" ON "sessions"  ("token_hash") ');
    await queryRunner.query('CREATE INDEX "ix_sessions_user" ON "sessions"  ("user_id") ');
    await queryRunner.query(
      'CREATE TABLE "customer_groups" ("id" character varying(36) NOT NULL, "name" character varying(100) NOT NULL, "metadata" text, "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_e5017659e48fc8c387ed5e453e8" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_customer_groups_name" ON "customer_groups"  ("name") ');
    await queryRunner.query(
      'CREATE TABLE "customer_group_users" ("customer_group_id" character varying(36) NOT NULL, "user_id" character varying(36) NOT NULL, CONSTRAINT "PK_86c72607470c9d57391109d7331" PRIMARY KEY ("customer_group_id", "user_id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_customer_group_users_user" ON "customer_group_users"  ("user_id") ');
    await queryRunner.query(
      'CREATE TABLE "identity_profiles" ("id" character varying(36) NOT NULL, "user_id" character varying(36), "created_at" TIMESTAMP NOT NULL DEFAULT now(), "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "REL_3c89599a9398f8c55c77f0cdc9" UNIQUE ("user_id"), CONSTRAINT "PK_cacad286d3be261625c6f080df0" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_identity_profiles_user" ON "identity_profiles"  ("user_id") ');
    await queryRunner.query(
      'CREATE TABLE "identity_identifiers" ("id" character varying(36) NOT NULL, "profile_id" character varying(36) NOT NULL, "type" character varying(72) NOT NULL, "value" character varying(255) NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_4eff2ad704754ba3a10f172067a" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_identifiers_profile_type" ON "identity_identifiers"  ("profile_id", "type") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_identifiers_type_value" ON "identity_identifiers"  ("type", "value") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_attributes" ("profile_id" character varying(36) NOT NULL, "key" character varying(130) NOT NULL, "value" text NOT NULL, "value_key" character varying(64) NOT NULL, "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_ddadc624cace15b9a24d7dcd03b" PRIMARY KEY ("profile_id", "key"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_identity_attributes_key_value" ON "identity_attributes"  ("key", "value_key") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_events" ("id" character varying(36) NOT NULL, "profile_id" character varying(36) NOT NULL, "event_name" character varying(128) NOT NULL, "timestamp" TIMESTAMP NOT NULL, "params" text NOT NULL, "created_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_7922f2737a3ca5bbc54b1da0601" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_identity_events_profile_time" ON "identity_events"  ("profile_id", "timestamp") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_settings" ("id" integer NOT NULL, "enabled_identifiers" text NOT NULL, "custom_identifiers" text NOT NULL, "blocked_values" text NOT NULL, "updated_at" TIMESTAMP NOT NULL DEFAULT now(), CONSTRAINT "PK_940bf86f55bf16a68a4998e1dcf" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'ALTER TABLE "users" ADD CONSTRAINT "FK_a2cecd1a3531c0b041e29ba46e1" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "addresses" ADD CONSTRAINT "FK_16aac8a9f6f9c1dd6bcb75ec023" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "addresses" ADD CONSTRAINT "FK_98e1ca336038167c7eb48c02582" FOREIGN KEY ("country_id") REFERENCES "countries"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "sessions" ADD CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "customer_group_users" ADD CONSTRAINT "FK_1c55f935cdd2b224b6e98536ce9" FOREIGN KEY ("customer_group_id") REFERENCES "customer_groups"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "customer_group_users" ADD CONSTRAINT "FK_8570803697e7dee6cbac1863d8d" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "identity_profiles" ADD CONSTRAINT "FK_3c89599a9398f8c55c77f0cdc93" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "identity_identifiers" ADD CONSTRAINT "FK_54ee23cc5f8547a39764fee2686" FOREIGN KEY ("profile_id") REFERENCES "identity_profiles"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "identity_attributes" ADD CONSTRAINT "FK_9adbf3d415d1b486879577ae7b9" FOREIGN KEY ("profile_id") REFERENCES "identity_profiles"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "identity_events" ADD CONSTRAINT "FK_5dda4040c85838c0c839ea50907" FOREIGN KEY ("profile_id") REFERENCES "identity_profiles"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "identity_events" DROP CONSTRAINT "FK_5dda4040c85838c0c839ea50907"');
    await queryRunner.query('ALTER TABLE "identity_attributes" DROP CONSTRAINT "FK_9adbf3d415d1b486879577ae7b9"');
    await queryRunner.query('ALTER TABLE "identity_identifiers" DROP CONSTRAINT "FK_54ee23cc5f8547a39764fee2686"');
    await queryRunner.query('ALTER TABLE "identity_profiles" DROP CONSTRAINT "FK_3c89599a9398f8c55c77f0cdc93"');
    await queryRunner.query('ALTER TABLE "customer_group_users" DROP CONSTRAINT "FK_8570803697e7dee6cbac1863d8d"');
    await queryRunner.query('ALTER TABLE "customer_group_users" DROP CONSTRAINT "FK_1c55f935cdd2b224b6e98536ce9"');
    await queryRunner.query('ALTER TABLE "sessions" DROP CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19"');
    await queryRunner.query('ALTER TABLE "addresses" DROP CONSTRAINT "FK_98e1ca336038167c7eb48c02582"');
    await queryRunner.query('ALTER TABLE "addresses" DROP CONSTRAINT "FK_16aac8a9f6f9c1dd6bcb75ec023"');
    await queryRunner.query('ALTER TABLE "users" DROP CONSTRAINT "FK_a2cecd1a3531c0b041e29ba46e1"');
    await queryRunner.query('DROP TABLE "identity_settings"');
    await queryRunner.query('DROP INDEX "ix_identity_events_profile_time"');
    await queryRunner.query('DROP TABLE "identity_events"');
    await queryRunner.query('DROP INDEX "ix_identity_attributes_key_value"');
    await queryRunner.query('DROP TABLE "identity_attributes"');
    await queryRunner.query('DROP INDEX "uq_identity_identifiers_type_value"');
    await queryRunner.query('DROP INDEX "uq_identity_identifiers_profile_type"');
    await queryRunner.query('DROP TABLE "identity_identifiers"');
    await queryRunner.query('DROP INDEX "uq_identity_profiles_user"');
    await queryRunner.query('DROP TABLE "identity_profiles"');
    await queryRunner.query('DROP INDEX "ix_customer_group_users_user"');
    await queryRunner.query('DROP TABLE "customer_group_users"');
    await queryRunner.query('DROP INDEX "uq_customer_groups_name"');
    await queryRunner.query('DROP TABLE "customer_groups"');
    await queryRunner.query('DROP INDEX "ix_sessions_user"');
    await queryRunner.query('DROP INDEX "uq_sessions_token_hash"');
    await queryRunner.query('DROP TABLE "sessions"');
    await queryRunner.query('DROP INDEX "uq_api_tokens_token_hash"');
    await queryRunner.query('DROP TABLE "api_tokens"');
    await queryRunner.query('DROP INDEX "ix_addresses_country"');
    await queryRunner.query('DROP INDEX "ix_addresses_user"');
    await queryRunner.query('DROP TABLE "addresses"');
    await queryRunner.query('DROP INDEX "uq_countries_iso2"');
    await queryRunner.query('DROP TABLE "countries"');
    await queryRunner.query('DROP INDEX "uq_users_customer_token_hash"');
    await queryRunner.query('DROP INDEX "ix_users_role"');
    await queryRunner.query('DROP INDEX "uq_users_email"');
    await queryRunner.query('DROP TABLE "users"');
    await queryRunner.query('DROP INDEX "uq_roles_name"');
    await queryRunner.query('DROP TABLE "roles"');
  }
}
