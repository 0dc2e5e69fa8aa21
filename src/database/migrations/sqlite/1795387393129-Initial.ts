import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795387393129 implements MigrationInterface {
  name = 'Initial1795387393129';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "roles" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(100) NOT NULL, "can_read_users" boolean NOT NULL DEFAULT (0), "can_manage_users" boolean NOT NULL DEFAULT (0), "can_manage_identities" boolean NOT NULL DEFAULT (0), "can_manage_api_tokens" boolean NOT NULL DEFAULT (0), "can_manage_roles" boolean NOT NULL DEFAULT (0), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_roles_name" ON "roles" ("name") ');
    await queryRunner.query(
      'CREATE TABLE "users" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(200), "email" varchar(254), "password_hash" varchar(255), "phone" varchar(16), "onboarding_status" varchar(20) NOT NULL DEFAULT (\'not_started\'), "order_webhook_url" varchar(2048), "role_id" varchar(36), "customer_token_hash" varchar(64), "token_generated_at" datetime, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email") ');
    await queryRunner.query('CREATE INDEX "ix_users_role" ON "users" ("role_id") ');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_customer_token_hash" ON "users" ("customer_token_hash") ');
    await queryRunner.query(
      'CREATE TABLE "countries" ("id" varchar(2) PRIMARY KEY NOT NULL, "iso2" varchar(2) NOT NULL, "iso3" varchar(3), "name" varchar(100) NOT NULL)',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_countries_iso2" ON "countries" ("iso2") ');
    await queryRunner.query(
      'CREATE TABLE "addresses" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36) NOT NULL, "first_name" varchar(100), "last_name" varchar(100), "company" varchar(200), "address1" varchar(200), "address2" varchar(200), "city" varchar(100), "province" varchar(100), "postal_code" varchar(20), "phone" varchar(16), "is_billing" boolean NOT NULL DEFAULT (0), "country_id" varchar(2), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query('CREATE INDEX "ix_addresses_user" ON "addresses" ("user_id") ');
    await queryRunner.query('CREATE INDEX "ix_addresses_country" ON "addresses" ("country_id") ');
    await queryRunner.query(
      'CREATE TABLE "api_tokens" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(100) NOT NULL, "scopes" text NOT NULL, "token_hash" varchar(64) NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "last_used_at" datetime, "revoked_at" datetime)',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_api_tokens_token_hash" ON "api_tokens" ("token_hash") ');
    await queryRunner.query(
      'CREATE TABLE "sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "token_hash" varchar(64) NOT NULL, "user_id" varchar(36) NOT NULL, "expires_at" datetime NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_sessions_token_hash" ON "sessions" ("token_hash") ');
    await queryRunner.query('CREATE INDEX "ix_sessions_user" ON "sessions" ("user_id") ');
    await queryRunner.query(
      'CREATE TABLE "customer_groups" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(100) NOT NULL, "metadata" text, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_customer_groups_name" ON "customer_groups" ("name") ');
    await queryRunner.query(
      'CREATE TABLE "customer_group_users" ("customer_group_id" varchar(36) NOT NULL, "user_id" varchar(36) NOT NULL, PRIMARY KEY ("customer_group_id", "user_id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_customer_group_users_user" ON "customer_group_users" ("user_id") ');
    await queryRunner.query(
      'CREATE TABLE "identity_profiles" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "REL_3c89599a9398f8c55c77f0cdc9" UNIQUE ("user_id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_identity_profiles_user" ON "identity_profiles" ("user_id") ');
    await queryRunner.query(
      'CREATE TABLE "identity_identifiers" ("id" varchar(36) PRIMARY KEY NOT NULL, "profile_id" varchar(36) NOT NULL, "type" varchar(72) NOT NULL, "value" varchar(255) NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_identifiers_profile_type" ON "identity_identifiers" ("profile_id", "type") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_identifiers_type_value" ON "identity_identifiers" ("type", "value") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_attributes" ("profile_id" varchar(36) NOT NULL, "key" varchar(130) NOT NULL, "value" text NOT NULL, "value_key" varchar(64) NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), PRIMARY KEY ("profile_id", "key"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_identity_attributes_key_value" ON "identity_attributes" ("key", "value_key") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "profile_id" varchar(36) NOT NULL, "event_name" varchar(128) NOT NULL, "timestamp" datetime NOT NULL, "params" text NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_identity_events_profile_time" ON "identity_events" ("profile_id", "timestamp") ',
    );
    await queryRunner.query(
      'CREATE TABLE "identity_settings" ("id" integer PRIMARY KEY NOT NULL, "enabled_identifiers" text NOT NULL, "custom_identifiers" text NOT NULL, "blocked_values" text NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query('DROP INDEX "uq_users_email"');
    await queryRunner.query('DROP INDEX "ix_users_role"');
    await queryRunner.query('DROP INDEX "uq_users_customer_token_hash"');
    await queryRunner.query(
      'CREATE TABLE "temporary_users" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(200), "email" varchar(254), "password_hash" varchar(255), "phone" varchar(16), "onboarding_status" varchar(20) NOT NULL DEFAULT (\'not_started\'), "order_webhook_url" varchar(2048), "role_id" varchar(36), "customer_token_hash" varchar(64), "token_generated_at" datetime, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "FK_a2cecd1a3531c0b041e29ba46e1" FOREIGN KEY ("role_id") REFERENCES "roles" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_users"("id", "name", "email", "password_hash", "phone", "onboarding_status", "order_webhook_url", "role_id", "customer_token_hash", "token_generated_at", "created_at", "updated_at") SELECT "id", "name", "email", "password_hash", "phone", "onboarding_status", "order_webhook_url", "role_id", "customer_token_hash", "token_generated_at", "created_at", "updated_at" FROM "users"',
    );
    await queryRunner.query('DROP TABLE "users"');
    await queryRunner.query('ALTER TABLE "temporary_users" RENAME TO "users"');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email") ');
    await queryRunner.query('CREATE INDEX "ix_users_role" ON "users" ("role_id") ');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_customer_token_hash" ON "users" ("customer_token_hash") ');
    await queryRunner.query('DROP INDEX "ix_addresses_user"');
    await queryRunner.query('DROP INDEX "ix_addresses_country"');
    await queryRunner.query(
      'CREATE TABLE "temporary_addresses" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36) NOT NULL, "first_name" varchar(100), "last_name" varchar(100), "company" varchar(200), "address1" varchar(200), "address2" varchar(200), "city" varchar(100), "province" varchar(100), "postal_code" varchar(20), "phone" varchar(16), "is_billing" boolean NOT NULL DEFAULT (0), "country_id" varchar(2), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "FK_16aac8a9f6f9c1dd6bcb75ec023" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_98e1ca336038167c7eb48c02582" FOREIGN KEY ("country_id") REFERENCES "countries" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_addresses"("id", "user_id", "first_name", "last_name", "company", "address1", "address2", "city", "province", "postal_code", "phone", "is_billing", "country_id", "created_at", "updated_at") SELECT "id", "user_id", "first_name", "last_name", "company", "address1", "address2", "city", "province", "postal_code", "phone", "is_billing", "country_id", "created_at", "updated_at" FROM "addresses"',
    );
    await queryRunner.query('DROP TABLE "addresses"');
    await queryRunner.query('ALTER TABLE "temporary_addresses" RENAME TO "addresses"');
    await queryRunner.query('CREATE INDEX "ix_addresses_user" ON "addresses" ("user_id") ');
    await queryRunner.query('CREATE INDEX "ix_addresses_country" ON "addresses" ("country_id") ');
    await queryRunner.query('DROP INDEX "uq_sessions_token_hash"');
    await queryRunner.query('DROP INDEX "ix_sessions_user"');
    await queryRunner.query(
      'CREATE TABLE "temporary_sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "token_hash" varchar(64) NOT NULL, "user_id" varchar(36) NOT NULL, "expires_at" datetime NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_sessions"("id", "token_hash", "user_id", "expires_at", "created_at") SELECT "id", "token_hash", "user_id", "expires_at", "created_at" FROM "sessions"',
    );
    await queryRunner.query('DROP TABLE "sessions"');
    await queryRunner.query('ALTER TABLE "temporary_sessions" RENAME TO "sessions"');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_sessions_token_hash" ON "sessions" ("token_hash") ');
    await queryRunner.query('CREATE INDEX "ix_sessions_user" ON "sessions" ("user_id") ');
    await queryRunner.query('DROP INDEX "ix_customer_group_users_user"');
    await queryRunner.query(
      'CREATE TABLE "temporary_customer_group_users" ("customer_group_id" varchar(36) NOT NULL, "user_id" varchar(36) NOT NULL, CONSTRAINT "FK_1c55f935cdd2b224b6e98536ce9" FOREIGN KEY ("customer_group_id") REFERENCES "customer_groups" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_8570803697e7dee6cbac1863d8d" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("customer_group_id", "user_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_customer_group_users"("customer_group_id", "user_id") SELECT "customer_group_id", "user_id" FROM "customer_group_users"',
    );
    await queryRunner.query('DROP TABLE "customer_group_users"');
    await queryRunner.query('ALTER TABLE "temporary_customer_group_users" RENAME TO "customer_group_users"');
    await queryRunner.query('CREATE INDEX "ix_customer_group_users_user" ON "customer_group_users" ("user_id") ');
    await queryRunner.query('DROP INDEX "uq_identity_profiles_user"');
    await queryRunner.query(
      'CREATE TABLE "temporary_identity_profiles" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "REL_3c89599a9398f8c55c77f0cdc9" UNIQUE ("user_id"), CONSTRAINT "FK_3c89599a9398f8c55c77f0cdc93" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_identity_profiles"("id", "user_id", "created_at", "updated_at") SELECT "id", "user_id", "created_at", "updated_at" FROM "identity_profiles"',
    );
    await queryRunner.query('DROP TABLE "identity_profiles"');
    await queryRunner.query('ALTER TABLE "temporary_identity_profiles" RENAME TO "identity_profiles"');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_identity_profiles_user" ON "identity_profiles" ("user_id") ');
    await queryRunner.query('DROP INDEX "uq_identity_identifiers_profile_type"');
    await queryRunner.query('DROP INDEX "uq_identity_identifiers_type_value"');
    await queryRunner.query(
      'CREATE TABLE "temporary_identity_identifiers" ("id" varchar(36) PRIMARY KEY NOT NULL, "profile_id" varchar(36) NOT NULL, "type" varchar(72) NOT NULL, "value" varchar(255) NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "FK_54ee23cc5f8547a39764fee2686" FOREIGN KEY ("profile_id") REFERENCES "identity_profiles" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_identity_identifiers"("id", "profile_id", "type", "value", "created_at") SELECT "id", "profile_id", "type", "value", "created_at" FROM "identity_identifiers"',
    );
    await queryRunner.query('DROP TABLE "identity_identifiers"');
    await queryRunner.query('ALTER TABLE "temporary_identity_identifiers" RENAME TO "identity_identifiers"');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_identifiers_profile_type" ON "identity_identifiers" ("profile_id", "type") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_identifiers_type_value" ON "identity_identifiers" ("type", "value") ',
    );
    await queryRunner.query('DROP INDEX "ix_identity_attributes_key_value"');
    await queryRunner.query(
      'CREATE TABLE "temporary_identity_attributes" ("profile_id" varchar(36) NOT NULL, "key" varchar(130) NOT NULL, "value" text NOT NULL, "value_key" varchar(64) NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "FK_9adbf3d415d1b486879577ae7b9" FOREIGN KEY ("profile_id") REFERENCES "identity_profiles" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, PRIMARY KEY ("profile_id", "key"))',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_identity_attributes"("profile_id", "key", "value", "value_key", "updated_at") SELECT "profile_id", "key", "value", "value_key", "updated_at" FROM "identity_attributes"',
    );
    await queryRunner.query('DROP TABLE "identity_attributes"');
    await queryRunner.query('ALTER TABLE "temporary_identity_attributes" RENAME TO "identity_attributes"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_attributes_key_value" ON "identity_attributes" ("key", "value_key") ',
    );
    await queryRunner.query('DROP INDEX "ix_identity_events_profile_time"');
    await queryRunner.query(
      'CREATE TABLE "temporary_identity_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "profile_id" varchar(36) NOT NULL, "event_name" varchar(128) NOT NULL, "timestamp" datetime NOT NULL, "params" text NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "FK_5dda4040c85838c0c839ea50907" FOREIGN KEY ("profile_id") REFERENCES "identity_profiles" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)',
    );
    await queryRunner.query(
      'INSERT INTO "temporary_identity_events"("id", "profile_id", "event_name", "timestamp", "params", "created_at") SELECT "id", "profile_id", "event_name", "timestamp", "params", "created_at" FROM "identity_events"',
    );
    await queryRunner.query('DROP TABLE "identity_events"');
    await queryRunner.query('ALTER TABLE "temporary_identity_events" RENAME TO "identity_events"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_events_profile_time" ON "identity_events" ("profile_id", "timestamp") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "ix_identity_events_profile_time"');
    await queryRunner.query('ALTER TABLE "identity_events" RENAME TO "temporary_identity_events"');
    await queryRunner.query(
      'CREATE TABLE "identity_events" ("id" varchar(36) PRIMARY KEY NOT NULL, "profile_id" varchar(36) NOT NULL, "event_name" varchar(128) NOT NULL, "timestamp" datetime NOT NULL, "params" text NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'INSERT INTO "identity_events"("id", "profile_id", "event_name", "timestamp", "params", "created_at") SELECT "id", "profile_id", "event_name", "timestamp", "params", "created_at" FROM "temporary_identity_events"',
    );
    await queryRunner.query('DROP TABLE "temporary_identity_events"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_events_profile_time" ON "identity_events" ("profile_id", "timestamp") ',
    );
    await queryRunner.query('DROP INDEX "ix_identity_attributes_key_value"');
    await queryRunner.query('ALTER TABLE "identity_attributes" RENAME TO "temporary_identity_attributes"');
    await queryRunner.query(
      'CREATE TABLE "identity_attributes" ("profile_id" varchar(36) NOT NULL, "key" varchar(130) NOT NULL, "value" text NOT NULL, "value_key" varchar(64) NOT NULL, "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), PRIMARY KEY ("profile_id", "key"))',
    );
    await queryRunner.query(
      'INSERT INTO "identity_attributes"("profile_id", "key", "value", "value_key", "updated_at") SELECT "profile_id", "key", "value", "value_key", "updated_at" FROM "temporary_identity_attributes"',
    );
    await queryRunner.query('DROP TABLE "temporary_identity_attributes"');
    await queryRunner.query(
      'CREATE INDEX "ix_identity_attributes_key_value" ON "identity_attributes" ("key", "value_key") ',
    );
    await queryRunner.query('DROP INDEX "uq_identity_identifiers_type_value"');
    await queryRunner.query('DROP INDEX "uq_identity_identifiers_profile_type"');
    await queryRunner.query('ALTER TABLE "identity_identifiers" RENAME TO "temporary_identity_identifiers"');
    await queryRunner.query(
      'CREATE TABLE "identity_identifiers" ("id" varchar(36) PRIMARY KEY NOT NULL, "profile_id" varchar(36) NOT NULL, "type" varchar(72) NOT NULL, "value" varchar(255) NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'INSERT INTO "identity_identifiers"("id", "profile_id", "type", "value", "created_at") SELECT "id", "profile_id", "type", "value", "created_at" FROM "temporary_identity_identifiers"',
    );
    await queryRunner.query('DROP TABLE "temporary_identity_identifiers"');
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_identifiers_type_value" ON "identity_identifiers" ("type", "value") ',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_identity_identifiers_profile_type" ON "identity_identifiers" ("profile_id", "type") ',
    );
    await queryRunner.query('DROP INDEX "uq_identity_profiles_user"');
    await queryRunner.query('ALTER TABLE "identity_profiles" RENAME TO "temporary_identity_profiles"');
    await queryRunner.query(
      'CREATE TABLE "identity_profiles" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')), CONSTRAINT "REL_3c89599a9398f8c55c77f0cdc9" UNIQUE ("user_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "identity_profiles"("id", "user_id", "created_at", "updated_at") SELECT "id", "user_id", "created_at", "updated_at" FROM "temporary_identity_profiles"',
    );
    await queryRunner.query('DROP TABLE "temporary_identity_profiles"');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_identity_profiles_user" ON "identity_profiles" ("user_id") ');
    await queryRunner.query('DROP INDEX "ix_customer_group_users_user"');
    await queryRunner.query('ALTER TABLE "customer_group_users" RENAME TO "temporary_customer_group_users"');
    await queryRunner.query(
      'CREATE TABLE "customer_group_users" ("customer_group_id" varchar(36) NOT NULL, "user_id" varchar(36) NOT NULL, PRIMARY KEY ("customer_group_id", "user_id"))',
    );
    await queryRunner.query(
      'INSERT INTO "customer_group_users"("customer_group_id", "user_id") SELECT "customer_group_id", "user_id" FROM "temporary_customer_group_users"',
    );
    await queryRunner.query('DROP TABLE "temporary_customer_group_users"');
    await queryRunner.query('CREATE INDEX "ix_customer_group_users_user" ON "customer_group_users" ("user_id") ');
    await queryRunner.query('DROP INDEX "ix_sessions_user"');
    await queryRunner.query('DROP INDEX "uq_sessions_token_hash"');
    await queryRunner.query('ALTER TABLE "sessions" RENAME TO "temporary_sessions"');
    await queryRunner.query(
      'CREATE TABLE "sessions" ("id" varchar(36) PRIMARY KEY NOT NULL, "token_hash" varchar(64) NOT NULL, "user_id" varchar(36) NOT NULL, "expires_at" datetime NOT NULL, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'INSERT INTO "sessions"("id", "token_hash", "user_id", "expires_at", "created_at") SELECT "id", "token_hash", "user_id", "expires_at", "created_at" FROM "temporary_sessions"',
    );
    await queryRunner.query('DROP TABLE "temporary_sessions"');
    await queryRunner.query('CREATE INDEX "ix_sessions_user" ON "sessions" ("user_id") ');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_sessions_token_hash" ON "sessions" ("token_hash") ');
    await queryRunner.query('DROP INDEX "ix_addresses_country"');
    await queryRunner.query('DROP INDEX "ix_addresses_user"');
    await queryRunner.query('ALTER TABLE "addresses" RENAME TO "temporary_addresses"');
    await queryRunner.query(
      'CREATE TABLE "addresses" ("id" varchar(36) PRIMARY KEY NOT NULL, "user_id" varchar(36) NOT NULL, "first_name" varchar(100), "last_name" varchar(100), "company" varchar(200), "address1" varchar(200), "address2" varchar(200), "city" varchar(100), "province" varchar(100), "postal_code" varchar(20), "phone" varchar(16), "is_billing" boolean NOT NULL DEFAULT (0), "country_id" varchar(2), "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'INSERT INTO "addresses"("id", "user_id", "first_name", "last_name", "company", "address1", "address2", "city", "province", "postal_code", "phone", "is_billing", "country_id", "created_at", "updated_at") SELECT "id", "user_id", "first_name", "last_name", "company", "address1", "address2", "city", "province", "postal_code", "phone", "is_billing", "country_id", "created_at", "updated_at" FROM "temporary_addresses"',
    );
    await queryRunner.query('DROP TABLE "temporary_addresses"');
    await queryRunner.query('CREATE INDEX "ix_addresses_country" ON "addresses" ("country_id") ');
    await queryRunner.query('CREATE INDEX "ix_addresses_user" ON "addresses" ("user_id") ');
    await queryRunner.query('DROP INDEX "uq_users_customer_token_hash"');
    await queryRunner.query('DROP INDEX "ix_users_role"');
    await queryRunner.query('DROP INDEX "uq_users_email"');
    await queryRunner.query('ALTER TABLE "users" RENAME TO "temporary_users"');
    await queryRunner.query(
      'CREATE TABLE "users" ("id" varchar(36) PRIMARY KEY NOT NULL, "name" varchar(200), "email" varchar(254), "password_hash" varchar(255), "phone" varchar(16), "onboarding_status" varchar(20) NOT NULL DEFAULT (\'not_started\'), "order_webhook_url" varchar(2048), "role_id" varchar(36), "customer_token_hash" varchar(64), "token_generated_at" datetime, "created_at" datetime NOT NULL DEFAULT (datetime(\'now\')), "updated_at" datetime NOT NULL DEFAULT (datetime(\'now\')))',
    );
    await queryRunner.query(
      'INSERT INTO "users"("id", "name", "email", "password_hash", "phone", "onboarding_status", "order_webhook_url", "role_id", "customer_token_hash", "token_generated_at", "created_at", "updated_at") SELECT "id", "name", "email", "password_hash", "phone", "onboarding_status", "order_webhook_url", "role_id", "customer_token_hash", "token_generated_at", "created_at", "updated_at" FROM "temporary_users"',
    );
    await queryRunner.query('DROP TABLE "temporary_users"');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_customer_token_hash" ON "users" ("customer_token_hash") ');
    await queryRunner.query('CREATE INDEX "ix_users_role" ON "users" ("role_id") ');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email") ');
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
