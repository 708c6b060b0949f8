// Writes a migration for whatever the entities changed, compared with the migrated schema:
//   pnpm --filter @switchboard/service build && pnpm --filter @switchboard/service migration:create <name>
// It runs against a fresh in-memory PGlite that has every committed migration applied.
import { MikroORM } from '@mikro-orm/pglite';
import { Migrator } from '@mikro-orm/migrations';
import { allEntities } from '../dist/persistence/entities.js';
import { migrationsList } from '../dist/persistence/migrations/index.js';

const orm = await MikroORM.init({
  entities: allEntities,
  dbName: 'memory://',
  extensions: [Migrator],
  migrations: { migrationsList, path: 'src/persistence/migrations', emit: 'ts', snapshot: false, fileName: (ts, name) => `Migration${ts}${name ? '_' + name : ''}` },
});
await orm.migrator.up();
const result = await orm.migrator.create('src/persistence/migrations', false, false, process.argv[2]);
console.log(result.fileName ? `created ${result.fileName}; add it to migrations/index.ts` : 'no schema changes');
await orm.close(true);
