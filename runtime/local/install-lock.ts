import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Progress } from './progress';
import { isRunning } from './workspace';

/**
 * Runs `install` holding an install lock (its parent folder is created if missing), released whatever `install` does:
 * two test runs installing the same tool into `.local/` at once would corrupt it, so the second waits for the first,
 * and `install` should then find and reuse the first one's install. mkdir is atomic, so whoever creates the lock
 * folder holds the lock; its pid file lets a waiter break the lock of a dead run.
 */
export async function withInstallLock<T>(lock: string, name: string, progress: Progress, install: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lock), { recursive: true });
  await acquire(lock, name, progress);
  try {
    return await install();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function acquire(lock: string, name: string, progress: Progress): Promise<void> {
  let reported = false;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileIfPresent(join(lock, 'pid')));
    if (Number.isInteger(holder) && holder > 0 && !isRunning(holder)) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (!reported) progress(name, `waiting for another run (pid ${holder || 'starting'}) that is installing the same tools`);
    reported = true;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

function readFileIfPresent(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
