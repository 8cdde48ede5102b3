import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Downloads, unpacked servers and run state live here, gitignored, so a fresh clone starts clean. */
export const localCacheDir = join(repoRoot, '.local');

/** What the local backends are built from: Maven POMs and the Go modules of the DynamoDB API server and the OpenTelemetry Collector. */
export const backendDescriptorsDir = join(repoRoot, 'runtime/local/backends');

/**
 * A new directory for one run's data and logs, `.local/runs/<label>-<timestamp>-<pid>`. Earlier runs
 * with the same label are removed, except the most recent `keep` and any whose process still runs
 * (several test runs or launchers may share one checkout), so the logs of the last runs stay readable
 * without the cache growing for ever.
 */
export async function createRunDir(label: string, keep = 3): Promise<string> {
  const runsDir = join(localCacheDir, 'runs');
  await mkdir(runsDir, { recursive: true });
  const previous = (await readdir(runsDir)).filter((name) => name.startsWith(`${label}-`)).sort();
  for (const name of previous.slice(0, Math.max(0, previous.length - keep + 1))) {
    if (!isRunning(Number(/-(\d+)$/.exec(name)?.[1]))) await rm(join(runsDir, name), { recursive: true, force: true });
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = join(runsDir, `${label}-${stamp}-${process.pid}`);
  await mkdir(runDir, { recursive: true });
  return runDir;
}

/** Whether a process with this pid exists, ours or another user's. */
export function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves a directory prepared under a temporary name to its final place in one step, so that nobody
 * ever sees it half-made. When another process got there first, its copy is kept and ours dropped.
 */
export async function publishDirectory(prepared: string, destination: string): Promise<void> {
  try {
    await rename(prepared, destination);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    await rm(prepared, { recursive: true, force: true });
  }
}
