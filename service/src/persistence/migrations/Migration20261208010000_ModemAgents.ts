import { Migration } from '@mikro-orm/migrations';

export class Migration20261208010000_ModemAgents extends Migration {

  override name = 'Migration20261208010000_ModemAgents';

  // Modem agents, the commands queued for them and the results they reported. Commands are a
  // table, not a replica's memory: an agent holds one stream to one replica, and a message for it
  // may be dispatched by any replica, so the queue lives where every replica sees it (with NOTIFY
  // to wake the replica holding the stream). Results are remembered by the agent's result id so a
  // result resent after a dropped link is applied once.
  override up(): void | Promise<void> {
    this.addSql(`create table "agent" ("id" varchar(64) not null, "description" varchar(200) not null default '', "token_hash" varchar(64) not null, "token_prefix" varchar(16) not null, "created_at" timestamptz not null, "token_issued_at" timestamptz not null, "session_id" varchar(64) null, "replica" varchar(100) null, "agent_version" varchar(40) not null default '', "modems" jsonb not null default '[]', "connected_at" timestamptz null, "last_seen_at" timestamptz null, "disconnected_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create unique index "agent_token_hash_unique" on "agent" ("token_hash");`);
    this.addSql(`create table "agent_command" ("attempt_id" uuid not null, "agent_id" varchar(64) not null, "provider" varchar(64) not null, "message_id" uuid not null, "destination" varchar(32) not null, "body_ciphertext" text not null, "status_report" boolean not null, "validity_seconds" int not null, "send_before" timestamptz not null, "modems" jsonb not null default '[]', "state" varchar(16) not null default 'queued', "created_at" timestamptz not null default now(), "offered_at" timestamptz null, "accepted_at" timestamptz null, "outcome" jsonb null, "outcome_at" timestamptz null, primary key ("attempt_id"), constraint "agent_command_state_check" check ("state" in ('queued', 'accepted', 'expired', 'submitted', 'failed', 'abandoned')));`);
    this.addSql(`create index "agent_command_queued_index" on "agent_command" ("agent_id", "created_at") where state = 'queued';`);
    this.addSql(`create index "agent_command_created_at_index" on "agent_command" ("created_at");`);
    this.addSql(`alter table "agent_command" add constraint "agent_command_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`);
    this.addSql(`create table "agent_result" ("agent_id" varchar(64) not null, "result_id" varchar(32) not null, "stored_at" timestamptz not null default now(), primary key ("agent_id", "result_id"));`);
    this.addSql(`create index "agent_result_stored_at_index" on "agent_result" ("stored_at");`);
    this.addSql(`alter table "agent_result" add constraint "agent_result_agent_id_foreign" foreign key ("agent_id") references "agent" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "agent_result" cascade;`);
    this.addSql(`drop table if exists "agent_command" cascade;`);
    this.addSql(`drop table if exists "agent" cascade;`);
  }

}
