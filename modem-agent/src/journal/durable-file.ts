// Writes that survive a power cut. A rename is atomic but not durable until the directory entry
// itself is fsync'd, hence the directory sync after it (and after creating a file).
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `data` so that after a crash the file holds either its old content or all
 * of `data`, never a mix: write a temporary file, fsync it, rename it over `path`, fsync the dir.
 */
export async function replaceFileDurably(path: string, data: Uint8Array): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncDirectory(dirname(path));
}

/** Makes renames and creations inside `directory` durable. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
