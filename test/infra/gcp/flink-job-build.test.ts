import { chmodSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { buildJobJarIfStale, FlinkJob, isJarStale, type JobJarBuild } from '../../../infra/gcp/index.js';
import { buildFoundation, jobKafka, resourcesOfType } from './fixtures/analytics-fixtures.js';

const HOUR_AGO = Date.now() / 1000 - 3600;
const touch = (path: string, epochSeconds: number) => utimesSync(path, epochSeconds, epochSeconds);

/** A job project as Maven sees it: pom.xml, a source two folders deep, and an optional jar, each with its own mtime. */
function project({ jarAge, sourceAge }: { jarAge?: number; sourceAge: number }) {
  const root = mkdtempSync(join(tmpdir(), 'flink-job-build-'));
  const pom = join(root, 'pom.xml');
  const source = join(root, 'src', 'main', 'Job.java');
  const jar = join(root, 'target', 'order-analytics.jar');
  mkdirSync(join(root, 'src', 'main'), { recursive: true });
  writeFileSync(pom, '<project/>');
  writeFileSync(source, 'class Job {}');
  for (const path of [pom, source, join(root, 'src', 'main'), join(root, 'src')]) touch(path, HOUR_AGO - 600);
  touch(source, HOUR_AGO - sourceAge);
  if (jarAge !== undefined) {
    mkdirSync(join(root, 'target'));
    writeFileSync(jar, 'built earlier');
    touch(jar, HOUR_AGO - jarAge);
  }
  return { root, pom, source, jar, build: { pomPath: pom } satisfies JobJarBuild };
}

/** A stand-in for Maven: a script on disk that writes the jar beside the POM it is given, or fails like Maven. */
function fakeMaven(dir: string, behaviour: 'builds' | 'fails'): string {
  const script = join(dir, `fake-mvn-${behaviour}`);
  const body =
    behaviour === 'builds'
      ? 'while [ "$1" != "--file" ]; do shift; done\nmkdir -p "$(dirname "$2")/target"\necho "jar built from $2" > "$(dirname "$2")/target/order-analytics.jar"\n'
      : 'echo "[ERROR] COMPILATION ERROR: Job.java:[1,1] class, interface, enum, or record expected"\nexit 1\n';
  writeFileSync(script, `#!/bin/bash\n${body}`);
  chmodSync(script, 0o755);
  return script;
}

describe('the job jar build at synth', () => {
  describe('stale detection', () => {
    it('takes a missing jar for stale', () => {
      const { jar, build } = project({ sourceAge: 0 });
      expect(isJarStale(jar, [build.pomPath])).toBe(true);
    });

    it('keeps a jar newer than the POM and every source', () => {
      const { jar, pom, root } = project({ jarAge: 0, sourceAge: 60 });
      expect(isJarStale(jar, [pom, join(root, 'src')])).toBe(false);
    });

    it('takes a jar for stale when a source deep under src/ changed after it', () => {
      const { jar, pom, root } = project({ jarAge: 60, sourceAge: 0 });
      expect(isJarStale(jar, [pom, join(root, 'src')])).toBe(true);
    });

    it('takes a jar for stale when the POM changed after it', () => {
      const { jar, pom, root } = project({ jarAge: 60, sourceAge: 120 });
      touch(pom, HOUR_AGO);
      expect(isJarStale(jar, [pom, join(root, 'src')])).toBe(true);
    });

    it('skips sources that do not exist', () => {
      const { jar, pom, root } = project({ jarAge: 0, sourceAge: 60 });
      expect(isJarStale(jar, [pom, join(root, 'no-such-folder')])).toBe(false);
    });

    it('watches the POM and src/ beside it by default', () => {
      const { build } = project({ jarAge: 60, sourceAge: 0 });
      // Stale by its source, so Maven is asked for: a missing command proves the build was attempted.
      expect(() => buildJobJarIfStale('FlinkJob', join(build.pomPath, '../target/order-analytics.jar'), {
        ...build,
        mavenCommand: 'mvn-that-is-not-installed',
      })).toThrow(/not on the PATH/);
    });
  });

  describe('building', () => {
    it('does not run Maven for a fresh jar', () => {
      const { jar, build } = project({ jarAge: 0, sourceAge: 60 });
      expect(() => buildJobJarIfStale('FlinkJob', jar, { ...build, mavenCommand: 'mvn-that-is-not-installed' })).not.toThrow();
      expect(readFileSync(jar, 'utf8')).toBe('built earlier');
    });

    it('says what to install when Maven is absent', () => {
      const { jar, build } = project({ sourceAge: 0 });
      expect(() => buildJobJarIfStale('FlinkJob', jar, { ...build, mavenCommand: 'mvn-that-is-not-installed' })).toThrow(
        `FlinkJob: the job jar ${jar} is missing or older than its sources, and building it needs Maven, ` +
          `but 'mvn-that-is-not-installed' is not on the PATH. Install a JDK 17 and Maven 3.9 (then synth again), ` +
          `or build the jar elsewhere with: mvn -f ${build.pomPath} package -DskipTests`,
      );
    });

    it("passes Maven's own complaint on when the build fails", () => {
      const { root, jar, build } = project({ sourceAge: 0 });
      const maven = fakeMaven(root, 'fails');
      expect(() => buildJobJarIfStale('FlinkJob', jar, { ...build, mavenCommand: maven })).toThrow(
        /FlinkJob: .*fake-mvn-fails --batch-mode --quiet --file .*pom\.xml package -DskipTests failed \(exit 1\):\n\[ERROR\] COMPILATION ERROR/,
      );
    });

    it('builds a stale jar during the synth and uploads the new build', () => {
      const { root, jar, build } = project({ jarAge: 60, sourceAge: 0 });
      const synthesized = Testing.synthScope((scope) => {
        const { dataLake, identity } = buildFoundation(scope);
        new FlinkJob(scope, 'job', { jarPath: jar, build: { ...build, mavenCommand: fakeMaven(root, 'builds') }, dataLake, identity, kafka: jobKafka });
      });
      expect(readFileSync(jar, 'utf8')).toBe(`jar built from ${build.pomPath}\n`);
      expect(isJarStale(jar, [build.pomPath, join(root, 'src')])).toBe(false);
      const jarObject = resourcesOfType(synthesized, StorageBucketObject.tfResourceType).find((object) => String(object.name).startsWith('flink/jobs/'));
      expect(jarObject?.name).toMatch(/^flink\/jobs\/order-analytics-[0-9a-f]{16}\.jar$/);
    });
  });
});
