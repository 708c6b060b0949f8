/**
 * PGlite is PostgreSQL in this process, without PostgreSQL's postmaster lock: two processes opening
 * one data folder would each write it and corrupt it. The first to start takes a lock file there;
 * another is refused with a clear error until the first exits (a crashed process leaves a stale
 * file, which is taken over once its process is gone).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Thrown when another live process holds the data folder. */
export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(
      `DATA_DIR ${dataDir} is in use by process ${pid}: the embedded database serves one process at a time. ` +
        'Stop that process, give this one another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server between replicas.',
    );
    this.name = 'DataDirInUseError';
  }
}

const LOCK_FILE = 'switchboard.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Folders this process holds: a second open in the same process is refused too. */
const held = new Set<string>();

/** Takes the folder's lock for this process; returns the release function. */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  if (held.has(path)) throw new DataDirInUseError(dataDir, process.pid);
  const release = takeLock(dataDir, path);
  held.add(path);
  return () => {
    held.delete(path);
    release();
  };
}

function takeLock(dataDir: string, path: string): () => void {
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    } catch {
      // vanished between open and read: try again
    }
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) throw new DataDirInUseError(dataDir, holder);
    rmSync(path, { force: true }); // stale: its process is gone
  }
  throw new Error(`could not take the lock ${path}`);
}
