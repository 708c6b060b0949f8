import { Migration } from '@mikro-orm/migrations';

export class Migration20261203112738_WorkQueueIndexes extends Migration {

  override name = 'Migration20261203112738_WorkQueueIndexes';

  // One index over every live message made a claim step over each message some replica held (ten
  // thousand each under a backlog) to reach the free ones; each kind of scan gets its own.
  override up(): void | Promise<void> {
    this.addSql(`drop index "message_live_status_not_before_index";`);
    this.addSql(`create index "message_claimable_index" on "message" ("not_before") where status = 'queued' and lease_owner is null;`);
    this.addSql(`create index "message_leased_index" on "message" ("lease_until") where status in ('queued', 'sending') and lease_owner is not null;`);
    this.addSql(`create index "message_receipt_due_index" on "message" ("not_before") where status = 'submitted';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "message_claimable_index";`);
    this.addSql(`drop index "message_leased_index";`);
    this.addSql(`drop index "message_receipt_due_index";`);
    this.addSql(`create index "message_live_status_not_before_index" on "message" ("status", "not_before") where (status)::text = ANY ((ARRAY['queued'::character varying, 'sending'::character varying, 'submitted'::character varying])::text[]);`);
  }

}
