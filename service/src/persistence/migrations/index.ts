import type { Constructor } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import { Migration20261122053952_Initial } from './Migration20261122053952_Initial.js';
import { Migration20261122073628_SmppPartsAndInbound } from './Migration20261122073628_SmppPartsAndInbound.js';
import { Migration20261122081744_ChannelPayloadAndEmail } from './Migration20261122081744_ChannelPayloadAndEmail.js';
import { Migration20261122104854_AppEmailTemplates } from './Migration20261122104854_AppEmailTemplates.js';
import { Migration20261202182950_HotPathReceipts } from './Migration20261202182950_HotPathReceipts.js';
import { Migration20261203112220_ReceiptLookupIndexes } from './Migration20261203112220_ReceiptLookupIndexes.js';
import { Migration20261203112738_WorkQueueIndexes } from './Migration20261203112738_WorkQueueIndexes.js';
import { Migration20261208010000_ModemAgents } from './Migration20261208010000_ModemAgents.js';

/**
 * Every migration, oldest first. They are imported rather than discovered on disk so the built
 * service and the tests run exactly the same list. `pnpm migration:create <name>` writes new ones.
 */
export const migrationsList: { name: string; class: Constructor<Migration> }[] = [
  { name: 'Migration20261122053952_Initial', class: Migration20261122053952_Initial },
  { name: 'Migration20261122073628_SmppPartsAndInbound', class: Migration20261122073628_SmppPartsAndInbound },
  { name: 'Migration20261122081744_ChannelPayloadAndEmail', class: Migration20261122081744_ChannelPayloadAndEmail },
  { name: 'Migration20261122104854_AppEmailTemplates', class: Migration20261122104854_AppEmailTemplates },
  { name: 'Migration20261202182950_HotPathReceipts', class: Migration20261202182950_HotPathReceipts },
  { name: 'Migration20261203112220_ReceiptLookupIndexes', class: Migration20261203112220_ReceiptLookupIndexes },
  { name: 'Migration20261203112738_WorkQueueIndexes', class: Migration20261203112738_WorkQueueIndexes },
  { name: 'Migration20261208010000_ModemAgents', class: Migration20261208010000_ModemAgents },
];
