import { Migration } from '@mikro-orm/migrations';

export class Migration20261122053952_Initial extends Migration {

  override name = 'Migration20261122053952_Initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "app" ("id" uuid not null, "name" varchar(64) not null, "domain" varchar(253) null, "default_locale" varchar(35) not null default 'en', "sender_id" varchar(16) not null, "templates" jsonb not null, "allowed_countries" jsonb not null, "default_code_length" int not null default 6, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "app" add constraint "app_name_unique" unique ("name");`);

    this.addSql(`create table "api_key" ("id" uuid not null, "app_id" uuid not null, "key_hash" varchar(64) not null, "prefix" varchar(16) not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "api_key_app_id_index" on "api_key" ("app_id");`);
    this.addSql(`alter table "api_key" add constraint "api_key_key_hash_unique" unique ("key_hash");`);

    this.addSql(`create table "audit_record" ("id" uuid not null, "actor" varchar(128) not null, "action" varchar(64) not null, "subject" varchar(128) not null, "before" jsonb null, "after" jsonb null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "audit_record_created_at_index" on "audit_record" ("created_at");`);

    this.addSql(`create table "provider" ("id" uuid not null, "name" varchar(64) not null, "kind" varchar(16) not null, "enabled" boolean not null default true, "channels" jsonb not null, "settings" jsonb not null, "credentials_ciphertext" text null, "throughput_per_second" real not null default 0, "burst" int not null default 0, "max_in_flight" int not null default 0, "price_currency" varchar(3) not null default 'EUR', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "provider" add constraint "provider_name_unique" unique ("name");`);

    this.addSql(`create table "price_entry" ("id" uuid not null, "provider_id" uuid not null, "country" varchar(2) null, "prefix" varchar(15) null, "price_micros" bigint not null, primary key ("id"));`);
    this.addSql(`create index "price_entry_provider_id_index" on "price_entry" ("provider_id");`);

    this.addSql(`create table "route_rule" ("id" uuid not null, "name" varchar(64) not null, "priority" int not null, "enabled" boolean not null default true, "is_default" boolean not null default false, "match" jsonb not null, "candidates" jsonb not null, "strategy" varchar(16) not null, "weights" jsonb not null, "fallback" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "route_rule" add constraint "route_rule_name_unique" unique ("name");`);

    this.addSql(`create table "verification" ("id" uuid not null, "app_id" uuid not null, "to" varchar(16) not null, "channel" varchar(8) not null, "status" varchar(24) not null, "codes" jsonb not null, "code_length" smallint not null, "locale" varchar(35) not null, "expires_at" timestamptz not null, "send_count" int not null, "failed_checks" int not null, "max_checks" int not null, "delivery_status" varchar(16) not null, "created_at" timestamptz not null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "verification_app_id_to_status_index" on "verification" ("app_id", "to", "status");`);

    this.addSql(`create table "message" ("id" uuid not null, "app_id" uuid not null, "verification_id" uuid null, "kind" varchar(16) not null, "channel" varchar(8) not null, "to" varchar(16) not null, "country" varchar(2) not null, "sender" varchar(16) not null, "body_ciphertext" text null, "status" varchar(16) not null, "plan" jsonb null, "route_rule" varchar(64) null, "parts" int not null default 1, "step" int not null default 0, "retries" int not null default 0, "not_before" timestamptz not null, "lease_until" timestamptz null, "lease_owner" varchar(128) null, "last_error" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "message_verification_id_index" on "message" ("verification_id");`);
    this.addSql(`create index "message_to_created_at_index" on "message" ("to", "created_at");`);
    this.addSql(`create index "message_status_not_before_index" on "message" ("status", "not_before");`);

    this.addSql(`create table "attempt" ("id" uuid not null, "message_id" uuid not null, "provider_id" uuid not null, "step" int not null, "channel" varchar(8) not null, "expected_cost_micros" bigint null, "actual_cost_micros" bigint null, "currency" varchar(3) null, "receipt_timeout_seconds" int not null, "status" varchar(16) not null, "provider_message_id" varchar(128) null, "parts" int null, "error_code" varchar(64) null, "error_message" text null, "created_at" timestamptz not null, "submitted_at" timestamptz null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "attempt_message_id_index" on "attempt" ("message_id");`);
    this.addSql(`create index "attempt_provider_id_provider_message_id_index" on "attempt" ("provider_id", "provider_message_id");`);

    this.addSql(`create table "idempotency_key" ("app_id" uuid not null, "key" varchar(128) not null, "verification_id" uuid null, "message_id" uuid null, "to" varchar(16) not null, "fingerprint" varchar(64) null, "created_at" timestamptz not null, primary key ("app_id", "key"));`);
    this.addSql(`create index "idempotency_key_created_at_index" on "idempotency_key" ("created_at");`);

    this.addSql(`alter table "api_key" add constraint "api_key_app_id_foreign" foreign key ("app_id") references "app" ("id") on delete cascade;`);

    this.addSql(`alter table "price_entry" add constraint "price_entry_provider_id_foreign" foreign key ("provider_id") references "provider" ("id") on delete cascade;`);

    this.addSql(`alter table "verification" add constraint "verification_app_id_foreign" foreign key ("app_id") references "app" ("id") on delete cascade;`);

    this.addSql(`alter table "message" add constraint "message_app_id_foreign" foreign key ("app_id") references "app" ("id") on delete cascade;`);
    this.addSql(`alter table "message" add constraint "message_verification_id_foreign" foreign key ("verification_id") references "verification" ("id") on delete cascade;`);

    this.addSql(`alter table "attempt" add constraint "attempt_message_id_foreign" foreign key ("message_id") references "message" ("id") on delete cascade;`);
    this.addSql(`alter table "attempt" add constraint "attempt_provider_id_foreign" foreign key ("provider_id") references "provider" ("id");`);

    this.addSql(`alter table "idempotency_key" add constraint "idempotency_key_app_id_foreign" foreign key ("app_id") references "app" ("id") on delete cascade;`);
    this.addSql(`alter table "idempotency_key" add constraint "idempotency_key_verification_id_foreign" foreign key ("verification_id") references "verification" ("id") on delete cascade;`);
    this.addSql(`alter table "idempotency_key" add constraint "idempotency_key_message_id_foreign" foreign key ("message_id") references "message" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "api_key" drop constraint "api_key_app_id_foreign";`);
    this.addSql(`alter table "verification" drop constraint "verification_app_id_foreign";`);
    this.addSql(`alter table "message" drop constraint "message_app_id_foreign";`);
    this.addSql(`alter table "idempotency_key" drop constraint "idempotency_key_app_id_foreign";`);
    this.addSql(`alter table "price_entry" drop constraint "price_entry_provider_id_foreign";`);
    this.addSql(`alter table "attempt" drop constraint "attempt_provider_id_foreign";`);
    this.addSql(`alter table "message" drop constraint "message_verification_id_foreign";`);
    this.addSql(`alter table "idempotency_key" drop constraint "idempotency_key_verification_id_foreign";`);
    this.addSql(`alter table "attempt" drop constraint "attempt_message_id_foreign";`);
    this.addSql(`alter table "idempotency_key" drop constraint "idempotency_key_message_id_foreign";`);

    this.addSql(`drop table if exists "app" cascade;`);
    this.addSql(`drop table if exists "api_key" cascade;`);
    this.addSql(`drop table if exists "audit_record" cascade;`);
    this.addSql(`drop table if exists "provider" cascade;`);
    this.addSql(`drop table if exists "price_entry" cascade;`);
    this.addSql(`drop table if exists "route_rule" cascade;`);
    this.addSql(`drop table if exists "verification" cascade;`);
    this.addSql(`drop table if exists "message" cascade;`);
    this.addSql(`drop table if exists "attempt" cascade;`);
    this.addSql(`drop table if exists "idempotency_key" cascade;`);
  }

}
