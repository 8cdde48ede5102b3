import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runToCompletion } from './child-process';
import { withInstallLock } from './install-lock';
import type { Progress } from './progress';
import { localCacheDir } from './workspace';

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

  return withInstallLock(join(root, `${toolset.name}.lock`), toolset.name, progress, async () => {
    // Another run may have finished the install while this one waited for the lock.
    if (isInstalled(marker, toolset, bin)) return bin;
    await rm(marker, { force: true });
    await rm(venv, { recursive: true, force: true });
    progress(toolset.name, `creating a Python venv in ${venv}`);
    const showProgress = { onLine: (line: string) => progress(toolset.name, line) };
    await runToCompletion('python3', ['-m', 'venv', venv], showProgress).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingPythonError('python3 is not on PATH: install Python 3.9+');
      throw new MissingPythonError(
        `'python3 -m venv' failed (on Debian or Ubuntu: apt-get install python3-venv):\n${error instanceof Error ? error.message : String(error)}`,
      );
    });
    progress(toolset.name, `pip install ${toolset.requirements.join(' ')} (the first time takes a few minutes)`);
    await runToCompletion(join(bin, 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', ...toolset.requirements], showProgress);
    await writeFile(marker, JSON.stringify({ requirements: toolset.requirements } satisfies InstallMarker, null, 2));
    progress(toolset.name, 'installed');
    return bin;
  });
}

function isInstalled(marker: string, toolset: PythonToolset, bin: string): boolean {
  if (!existsSync(marker) || !existsSync(join(bin, 'python'))) return false;
  const installed = JSON.parse(readFileSync(marker, 'utf8')) as InstallMarker;
  return JSON.stringify([...installed.requirements].sort()) === JSON.stringify([...toolset.requirements].sort());
}
