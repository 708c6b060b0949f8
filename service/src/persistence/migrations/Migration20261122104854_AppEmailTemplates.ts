import { Migration } from '@mikro-orm/migrations';

export class Migration20261122104854_AppEmailTemplates extends Migration {

  override name = 'Migration20261122104854_AppEmailTemplates';

  override up(): void | Promise<void> {
    this.addSql(`alter table "app" add "email_templates" jsonb not null default '{}';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "app" drop column "email_templates";`);
  }

}
