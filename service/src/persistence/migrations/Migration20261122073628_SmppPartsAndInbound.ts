import { Migration } from '@mikro-orm/migrations';

export class Migration20261122073628_SmppPartsAndInbound extends Migration {

  override name = 'Migration20261122073628_SmppPartsAndInbound';

  override up(): void | Promise<void> {
    this.addSql(`create table "inbound_message" ("id" uuid not null, "provider_id" uuid null, "provider_name" varchar(64) not null, "source" varchar(32) not null, "destination" varchar(32) not null, "body_ciphertext" text not null, "parts" smallint not null, "received_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "inbound_message_received_at_index" on "inbound_message" ("received_at");`);

    this.addSql(`create table "attempt_part" ("id" uuid not null, "attempt_id" uuid not null, "provider_id" uuid not null, "part" smallint not null, "provider_message_id" varchar(128) not null, "status" varchar(16) not null, "error_code" varchar(64) null, "completed_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "attempt_part_attempt_id_index" on "attempt_part" ("attempt_id");`);
    this.addSql(`create index "attempt_part_provider_id_provider_message_id_index" on "attempt_part" ("provider_id", "provider_message_id");`);

    this.addSql(`alter table "attempt" add "receipt_parts" smallint null;`);

    this.addSql(`alter table "inbound_message" add constraint "inbound_message_provider_id_foreign" foreign key ("provider_id") references "provider" ("id") on delete set null;`);

    this.addSql(`alter table "attempt_part" add constraint "attempt_part_attempt_id_foreign" foreign key ("attempt_id") references "attempt" ("id") on delete cascade;`);
    this.addSql(`alter table "attempt_part" add constraint "attempt_part_provider_id_foreign" foreign key ("provider_id") references "provider" ("id");`);

    // Attempts submitted before parts were tracked: their one id becomes part 1, so receipts
    // still arriving for them match.
    this.addSql(`update "attempt" set "receipt_parts" = 1 where "provider_message_id" is not null;`);
    this.addSql(`insert into "attempt_part" ("id", "attempt_id", "provider_id", "part", "provider_message_id", "status", "error_code", "completed_at")
      select gen_random_uuid(), "id", "provider_id", 1, "provider_message_id",
             case when "status" in ('delivered', 'failed', 'expired') then "status" else 'submitted' end, "error_code", "completed_at"
        from "attempt" where "provider_message_id" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "inbound_message" cascade;`);
    this.addSql(`drop table if exists "attempt_part" cascade;`);

    this.addSql(`alter table "attempt" drop column "receipt_parts";`);
  }

}
