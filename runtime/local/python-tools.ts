import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Progress } from './progress';
import { isRunning, localCacheDir } from './workspace';

/** A set of pinned PyPI packages installed together into one virtual environment under `.local/python/<name>`. */
export interface PythonToolset {
  /** The venv's folder name, e.g. `policy-gates`. */
  readonly name: string;
  /** Exact pins, `package==version`: what the marker file compares to decide whether the install can be reused. */
  readonly requirements: readonly string[];
}

interface InstallMarker {
  readonly requirements: readonly string[];
}

export class MissingPythonError extends Error {
  constructor(detail: string) {
    super(`Python 3 with its venv module is a prerequisite of the policy gates (cfn-lint, checkov from PyPI): ${detail}`);
    this.name = 'MissingPythonError';
  }
}

/**
 * The `bin` folder of the toolset's venv, creating the venv and pip-installing the pins on first use. A marker file,
 * written only after pip succeeded, records the pins: while it matches, nothing is run again; when the pins change, the
 * venv is rebuilt from scratch so no package of the old set lingers. A lock folder keeps two test runs from installing
 * into the same venv at once; the second waits for the first and reuses its install.
 */
export async function ensurePythonToolset(toolset: PythonToolset, progress: Progress): Promise<string> {
  for (const requirement of toolset.requirements) {
    if (!/^[A-Za-z0-9._-]+==[A-Za-z0-9.]+$/.test(requirement)) throw new Error(`${toolset.name}: '${requirement}' is not an exact pin (package==version)`);
  }
  const root = join(localCacheDir, 'python');
  const venv = join(root, toolset.name);
  const bin = join(venv, 'bin');
  const marker = join(root, `${toolset.name}.installed.json`);
  if (isInstalled(marker, toolset, bin)) return bin;

  await mkdir(root, { recursive: true });
  const lock = join(root, `${toolset.name}.lock`);
  await acquireLock(lock, toolset.name, progress);
  try {
    // Another run may have finished the install while this one waited for the lock.
    if (isInstalled(marker, toolset, bin)) return bin;
    await rm(marker, { force: true });
    await rm(venv, { recursive: true, force: true });
    progress(toolset.name, `creating a Python venv in ${venv}`);
    await runStreaming('python3', ['-m', 'venv', venv], toolset.name, progress).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingPythonError('python3 is not on PATH: install Python 3.9+');
      throw new MissingPythonError(
        `'python3 -m venv' failed (on Debian or Ubuntu: apt-get install python3-venv):\n${error instanceof Error ? error.message : String(error)}`,
      );
    });
    progress(toolset.name, `pip install ${toolset.requirements.join(' ')} (the first time takes a few minutes)`);
    await runStreaming(join(bin, 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', ...toolset.requirements], toolset.name, progress);
    await writeFile(marker, JSON.stringify({ requirements: toolset.requirements } satisfies InstallMarker, null, 2));
    progress(toolset.name, 'installed');
    return bin;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function isInstalled(marker: string, toolset: PythonToolset, bin: string): boolean {
  if (!existsSync(marker) || !existsSync(join(bin, 'python'))) return false;
  const installed = JSON.parse(readFileSync(marker, 'utf8')) as InstallMarker;
  return JSON.stringify([...installed.requirements].sort()) === JSON.stringify([...toolset.requirements].sort());
}

/** mkdir is atomic: whoever creates the folder holds the lock; its pid file lets a waiter break the lock of a dead run. */
async function acquireLock(lock: string, name: string, progress: Progress): Promise<void> {
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

/** Runs a command, passing each line it prints to `progress` so a long pip install shows it is alive; rejects on a non-zero exit. */
async function runStreaming(command: string, args: readonly string[], component: string, progress: Progress): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      progress(component, line.trimEnd());
      tail.push(line);
      if (tail.length > 30) tail.shift();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const [code] = (await Promise.race([once(child, 'close'), once(child, 'error').then(([error]) => Promise.reject(error as Error))])) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`);
}
