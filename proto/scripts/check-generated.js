// CI guard: regenerate the TypeScript from the .proto files into a scratch folder and fail when it
// differs from src/, so nobody ships code generated from an older contract.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

const scratch = mkdtempSync(join(tmpdir(), 'switchboard-proto-'));
try {
  execFileSync('buf', ['generate', '-o', scratch], { stdio: 'inherit' });
  const fresh = join(scratch, 'src');
  const expected = listFiles(fresh);
  const actual = listFiles('src');
  const stale = [...new Set([...expected, ...actual])].filter(
    (file) =>
      !expected.includes(file) ||
      !actual.includes(file) ||
      readFileSync(join(fresh, file), 'utf8') !== readFileSync(join('src', file), 'utf8'),
  );
  if (stale.length > 0) {
    console.error(`Generated code is stale (${stale.join(', ')}); run \`pnpm generate\` and commit the result.`);
    process.exit(1);
  }
  console.log(`generated code is up to date (${actual.length} files)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
