import { Migration } from '@mikro-orm/migrations';

export class Migration20261203112220_ReceiptLookupIndexes extends Migration {

  override name = 'Migration20261203112220_ReceiptLookupIndexes';

  // Receipt lookups led by the provider scanned every part of that provider whenever the planner
  // trusted statistics taken while the table was small (9,000 rows per receipt, seen under a
  // backlog); led by the message id, the lookup is selective on any plan.
  override up(): void | Promise<void> {
    this.addSql(`create index "pending_receipt_provider_message_id_provider_id_index" on "pending_receipt" ("provider_message_id", "provider_id");`);
    this.addSql(`drop index "pending_receipt_provider_id_provider_message_id_index";`);

    this.addSql(`create index "attempt_part_provider_message_id_provider_id_index" on "attempt_part" ("provider_message_id", "provider_id");`);
    this.addSql(`drop index "attempt_part_provider_id_provider_message_id_index";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "attempt_part_provider_message_id_provider_id_index";`);
    this.addSql(`create index "attempt_part_provider_id_provider_message_id_index" on "attempt_part" ("provider_id", "provider_message_id");`);

    this.addSql(`drop index "pending_receipt_provider_message_id_provider_id_index";`);
    this.addSql(`create index "pending_receipt_provider_id_provider_message_id_index" on "pending_receipt" ("provider_id", "provider_message_id");`);
  }

}
