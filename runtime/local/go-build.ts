import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToCompletion } from './child-process';
import { silentProgress, type Progress } from './progress';
import { backendDescriptorsDir, localCacheDir, publishDirectory } from './workspace';

export interface GoBinaryOptions {
  /** The module's directory under runtime/local/backends/ and the binary's name, e.g. `dynamodb-api`. */
  readonly name: string;
  /** Every file the build reads (go.mod, go.sum, sources, patches): they name the binary. */
  readonly sourceFiles: readonly string[];
  /** What is built, for the progress line, e.g. `minidyn`. */
  readonly description: string;
  /**
   * Runs in the build directory, with the build's environment, before `go build`; a `vendor/` it
   * leaves there is what gets built (Go uses a present vendor directory by itself).
   * @default - none
   */
  readonly prepare?: (buildDir: string, env: NodeJS.ProcessEnv) => Promise<void>;
  readonly progress?: Progress;
}

/**
 * A Go program of runtime/local/backends/, built with modules from the Go module proxy into
 * `.local/<name>-<hash of its sources>/`: a changed pin or source builds a new binary, and concurrent
 * first starts never build into the same directory. The build runs in a temporary directory outside
 * this repository, so that `git apply` in `prepare` resolves paths from there. Returns the binary's path.
 */
export async function buildGoBinary(options: GoBinaryOptions): Promise<string> {
  const sourceDir = join(backendDescriptorsDir, options.name);
  const hash = createHash('sha256');
  for (const file of options.sourceFiles) hash.update(await readFile(join(sourceDir, file)));
  const installDir = join(localCacheDir, `${options.name}-${hash.digest('hex').slice(0, 16)}`);
  const binary = join(installDir, options.name);
  if (existsSync(binary)) return binary;
  (options.progress ?? silentProgress)(options.name, `building ${options.description} with Go into .local/ (first start only)`);
  const buildDir = await mkdtemp(join(tmpdir(), `${options.name}-`));
  const building = `${installDir}.building-${process.pid}`;
  try {
    for (const file of options.sourceFiles) await copyFile(join(sourceDir, file), join(buildDir, file));
    // A go.work or GOFLAGS of the user's must not change what gets built.
    const env = { ...process.env, GOWORK: 'off', GOFLAGS: '', CGO_ENABLED: '0' };
    await options.prepare?.(buildDir, env);
    await mkdir(building, { recursive: true });
    await runToCompletion('go', ['build', '-trimpath', '-o', join(building, options.name), '.'], { cwd: buildDir, env });
    await publishDirectory(building, installDir);
  } finally {
    await rm(buildDir, { recursive: true, force: true });
    await rm(building, { recursive: true, force: true });
  }
  return binary;
}
