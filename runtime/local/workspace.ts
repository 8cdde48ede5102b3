import { mkdir, readdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Downloads, unpacked servers and run state live here, gitignored, so a fresh clone starts clean. */
export const localCacheDir = join(repoRoot, '.local');

/** What the local backends are fetched from: Maven POMs and Python requirements. */
export const backendDescriptorsDir = join(repoRoot, 'runtime/local/backends');

/**
 * A new directory for one run's data and logs, `.local/runs/<label>-<timestamp>`. Older runs with
 * the same label are removed except the most recent `keep`, so logs of the last runs stay readable
 * without the cache growing for ever.
 */
export async function createRunDir(label: string, keep = 3): Promise<string> {
  const runsDir = join(localCacheDir, 'runs');
  await mkdir(runsDir, { recursive: true });
  const previous = (await readdir(runsDir)).filter((name) => name.startsWith(`${label}-`)).sort();
  for (const name of previous.slice(0, Math.max(0, previous.length - keep + 1))) {
    await rm(join(runsDir, name), { recursive: true, force: true });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = join(runsDir, `${label}-${stamp}`);
  await mkdir(runDir, { recursive: true });
  return runDir;
}
