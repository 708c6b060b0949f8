import { Migration } from '@mikro-orm/migrations';

export class Migration20261122081744_ChannelPayloadAndEmail extends Migration {

  override name = 'Migration20261122081744_ChannelPayloadAndEmail';

  override up(): void | Promise<void> {
    this.addSql(`alter table "verification" add "email" varchar(254) null;`);

    this.addSql(`alter table "message" add "payload_ciphertext" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "message" drop column "payload_ciphertext";`);

    this.addSql(`alter table "verification" drop column "email";`);
  }

}
