import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runToCompletion } from './child-process';
import { backendDescriptorsDir, localCacheDir } from './workspace';

interface CachedClasspath {
  readonly pomSha256: string;
  readonly jars: string[];
}

/**
 * The runtime jars of one of the POMs in runtime/local/backends, downloaded by Maven into the local
 * repository (~/.m2) on first use. Asking Maven costs seconds even when everything is downloaded, so
 * the answer is cached in .local/ until the POM changes or a jar disappears from ~/.m2.
 */
export async function resolveMavenJars(pomFileName: string): Promise<string[]> {
  const pom = join(backendDescriptorsDir, pomFileName);
  const pomSha256 = createHash('sha256').update(await readFile(pom)).digest('hex');
  const cacheFile = join(localCacheDir, 'maven', `${basename(pomFileName, '.xml')}.classpath.json`);
  if (existsSync(cacheFile)) {
    const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as CachedClasspath;
    if (cached.pomSha256 === pomSha256 && cached.jars.every((jar) => existsSync(jar))) return cached.jars;
  }
  await mkdir(join(localCacheDir, 'maven'), { recursive: true });
  // Several test runs may resolve at once; each writes its own files and renames the result into place.
  const outputFile = `${cacheFile}.${process.pid}.txt`;
  await writeMavenClasspath(pom, 'runtime', outputFile);
  const jars = (await readFile(outputFile, 'utf8')).trim().split(':').filter(Boolean);
  await rm(outputFile);
  if (jars.length === 0) throw new Error(`Maven resolved no jars for ${pom}`);
  await writeFile(`${cacheFile}.${process.pid}`, JSON.stringify({ pomSha256, jars } satisfies CachedClasspath, null, 2));
  await rename(`${cacheFile}.${process.pid}`, cacheFile);
  return jars;
}

/** Has Maven write the jars `pom` needs in `scope` to `outputFile`, as one `:`-separated classpath line. */
export async function writeMavenClasspath(pom: string, scope: 'runtime' | 'provided', outputFile: string): Promise<void> {
  await runToCompletion('mvn', [
    '--batch-mode',
    '--quiet',
    '--file',
    pom,
    'dependency:build-classpath',
    `-Dmdep.includeScope=${scope}`,
    `-Dmdep.outputFile=${outputFile}`,
  ]);
}
