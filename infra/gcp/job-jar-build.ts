import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** How `FlinkJob` builds its jar when the one on disk is missing or older than the job's sources. */
export interface JobJarBuild {
  /** The job's Maven project; `mvn -f <pomPath> package -DskipTests` produces the jar. */
  readonly pomPath: string;
  /**
   * Files and folders (searched recursively) whose change makes the jar stale. Missing ones are skipped.
   * @default - the POM and the `src` folder beside it
   */
  readonly sources?: readonly string[];
  /**
   * The Maven executable, found on the PATH like any command.
   * @default 'mvn'
   */
  readonly mavenCommand?: string;
}

/** Newest modification time (ms) of the paths, folders searched recursively; 0 when none exists. */
export function newestModification(paths: readonly string[]): number {
  let newest = 0;
  const visit = (path: string): void => {
    const stats = statSync(path);
    newest = Math.max(newest, stats.mtimeMs);
    if (stats.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
    }
  };
  paths.filter((path) => existsSync(path)).forEach(visit);
  return newest;
}

/** True when `jarPath` is missing or any source was modified after it. */
export function isJarStale(jarPath: string, sources: readonly string[]): boolean {
  if (!existsSync(jarPath)) return true;
  return newestModification(sources) > statSync(jarPath).mtimeMs;
}

/** The sources a build watches when it names none: the POM and `src/` beside it. */
export function defaultSources(build: JobJarBuild): readonly string[] {
  return build.sources ?? [build.pomPath, join(dirname(build.pomPath), 'src')];
}

/**
 * Builds the jar with Maven when it is stale, as Lambda bundling builds a handler at synth, so one synth on a
 * clean clone deploys infrastructure and code together. Synchronous because constructs are. Throws an error
 * that says what to install when Maven is absent, and Maven's own complaint when the build fails.
 */
export function buildJobJarIfStale(construct: string, jarPath: string, build: JobJarBuild): void {
  if (!isJarStale(jarPath, defaultSources(build))) return;
  const maven = build.mavenCommand ?? 'mvn';
  const args = ['--batch-mode', '--quiet', '--file', build.pomPath, 'package', '-DskipTests'];
  const run = spawnSync(maven, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(
      `${construct}: the job jar ${jarPath} is missing or older than its sources, and building it needs Maven, ` +
        `but '${maven}' is not on the PATH. Install a JDK 17 and Maven 3.9 (then synth again), or build the jar ` +
        `elsewhere with: mvn -f ${build.pomPath} package -DskipTests`,
    );
  }
  if (run.error) throw new Error(`${construct}: could not run ${maven} to build ${jarPath}: ${run.error.message}`);
  if (run.status !== 0) {
    const output = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${construct}: ${maven} ${args.join(' ')} failed (exit ${run.status}):\n${output}`);
  }
  if (!existsSync(jarPath)) {
    throw new Error(`${construct}: ${maven} ${args.join(' ')} succeeded but did not produce ${jarPath}`);
  }
}
