import { Migration } from '@mikro-orm/migrations';

export class Migration20261202182950_HotPathReceipts extends Migration {

  override name = 'Migration20261202182950_HotPathReceipts';

  override up(): void | Promise<void> {
    this.addSql(`create table "pending_receipt" ("id" uuid not null, "provider_id" uuid not null, "provider_message_id" varchar(128) not null, "state" varchar(16) not null, "error_code" varchar(64) null, "handset" varchar(32) null, "attempt_hint" uuid null, "received_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "pending_receipt_received_at_index" on "pending_receipt" ("received_at");`);
    this.addSql(`create index "pending_receipt_provider_id_provider_message_id_index" on "pending_receipt" ("provider_id", "provider_message_id");`);

    this.addSql(`drop index "message_status_not_before_index";`);
    this.addSql(`create index "message_live_status_not_before_index" on "message" ("status", "not_before") where status in ('queued', 'sending', 'submitted');`);

    this.addSql(`drop index "attempt_provider_id_provider_message_id_index";`);

    this.addSql(`create index "verification_to_created_at_index" on "verification" ("to", "created_at");`);

    this.addSql(`alter table "pending_receipt" add constraint "pending_receipt_provider_id_foreign" foreign key ("provider_id") references "provider" ("id") on delete cascade;`);

    // Room on every page for the updates of a row's life to stay on its page, heap-only (HOT):
    // an attempt (submitted, delivered), its parts, a verification (delivery status, checks).
    this.addSql(`alter table "attempt" set (fillfactor = 85);`);
    this.addSql(`alter table "attempt_part" set (fillfactor = 85);`);
    this.addSql(`alter table "verification" set (fillfactor = 85);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "attempt" reset (fillfactor);`);
    this.addSql(`alter table "attempt_part" reset (fillfactor);`);
    this.addSql(`alter table "verification" reset (fillfactor);`);
    this.addSql(`drop table if exists "pending_receipt" cascade;`);

    this.addSql(`create index "attempt_provider_id_provider_message_id_index" on "attempt" ("provider_id", "provider_message_id");`);

    this.addSql(`drop index "verification_to_created_at_index";`);

    this.addSql(`drop index "message_live_status_not_before_index";`);
    this.addSql(`create index "message_status_not_before_index" on "message" ("status", "not_before");`);
  }

}
