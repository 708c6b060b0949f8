import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from './data-dir-lock.js';

describe('lockDataDir', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-lock-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a folder another live process holds, naming the process and what to do', async () => {
    const dir = fresh();
    // A real second process, as a second `pnpm start` would be.
    const other = spawn(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(join(dir, 'switchboard.pid'))}, process.pid + '\\n'); setTimeout(() => {}, 10000)`]);
    try {
      for (let i = 0; i < 100; i++) {
        try {
          if (readFileSync(join(dir, 'switchboard.pid'), 'utf8').trim() === String(other.pid)) break;
        } catch {
          // not written yet
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
      expect(() => lockDataDir(dir)).toThrow(`DATA_DIR ${dir} is in use by process ${String(other.pid)}`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('refuses a second open of a folder this process holds, and allows it again once released', () => {
    const dir = fresh();
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    release();
    lockDataDir(dir)();
  });

  it('takes over a lock file left by a process that is gone', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'switchboard.pid'), '999999999\n');
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'switchboard.pid'), 'utf8').trim()).toBe(String(process.pid));
    release();
  });
});
