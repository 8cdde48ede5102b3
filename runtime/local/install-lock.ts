import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Progress } from './progress';
import { isRunning } from './workspace';

/**
 * Takes an install lock: two test runs installing the same tool into `.local/` at once would corrupt it, so the
 * second waits for the first and then reuses its install. The caller removes the lock folder when done. mkdir is
 * atomic, so whoever creates the folder holds the lock; its pid file lets a waiter break the lock of a dead run.
 */
export async function acquireInstallLock(lock: string, name: string, progress: Progress): Promise<void> {
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
