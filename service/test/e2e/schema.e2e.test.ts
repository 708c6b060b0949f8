import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/persistence/orm.js';
import { createScratchDatabase, databaseTargets } from '../support/test-system.js';

describe.each(databaseTargets())('migrations on $name', ({ url }) => {
  it('create exactly the schema the entities describe, and a second run changes nothing', async () => {
    const scratch = url ? await createScratchDatabase(url) : undefined;
    const database = await openDatabase(scratch ? { kind: 'postgres', url: scratch.url } : { kind: 'pglite', dataDir: 'memory://' });
    try {
      expect(await database.migrate()).toEqual(['Migration20261122053952_Initial', 'Migration20261122073628_SmppPartsAndInbound', 'Migration20261122081744_ChannelPayloadAndEmail', 'Migration20261122104854_AppEmailTemplates', 'Migration20261202182950_HotPathReceipts', 'Migration20261203112220_ReceiptLookupIndexes', 'Migration20261203112738_WorkQueueIndexes', 'Migration20261208010000_ModemAgents']);
      expect(await database.migrate()).toEqual([]);
      expect(await database.pendingSchemaDiff()).toBe('');
    } finally {
      await database.close();
      await scratch?.drop();
    }
  });
});
