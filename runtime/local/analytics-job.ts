import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isJarStale } from '../../infra/gcp/job-jar-build';
import { runToCompletion, startChild, waitUntil } from './child-process';
import { repoRoot } from './workspace';
import { writeMavenClasspath } from './maven';

export interface AnalyticsJobOptions {
  /** Kafka bootstrap servers, `host:port[,host:port]`. */
  readonly brokers: string;
  /** Holds `checkpoints/`, `lake/` and `analytics.log` of the job. */
  readonly stateDir: string;
  /** Progress messages. @default none */
  readonly log?: (message: string) => void;
  /**
   * Further flags of the job (docs/analytics.md), without the leading `--`: e.g. `{ window: '10 s' }`
   * for tests that cannot wait for a one-minute window. The job refuses unknown flags.
   * @default none: the job's own defaults
   */
  readonly flags?: Readonly<Record<string, string>>;
}

export interface AnalyticsJobHandle {
  /** Pid of the job's JVM. */
  readonly pid: number;
  readonly logFile: string;
  /** Stops the JVM; checkpoints are retained, so the next start with the same stateDir resumes from the newest. */
  stop(): Promise<void>;
}

const analyticsDir = join(repoRoot, 'analytics');
const pom = join(analyticsDir, 'pom.xml');
const jobJar = join(analyticsDir, 'target', 'order-analytics.jar');
/** Flink itself (the `provided` dependencies): on Dataproc the cluster supplies it, locally Maven does. */
const flinkClasspathFile = join(analyticsDir, 'target', 'flink-provided.classpath');
const jvmArgsFile = join(analyticsDir, 'jvm', 'flink-java17.args');
const MAIN_CLASS = 'com.cloudshop.analytics.OrderAnalyticsJob';
const STARTUP_TIMEOUT_MS = 180_000;

/**
 * Runs the Flink job (analytics/, docs/analytics.md) against the local Kafka on an embedded Flink
 * MiniCluster in one JVM: the job jar plus Flink's own jars from Maven, checkpoints and the data lake
 * under `stateDir`. Builds the jar first when it is missing or older than its sources. Resolves once
 * Flink has started the job (its checkpoint directory exists).
 */
export async function startAnalyticsJob(options: AnalyticsJobOptions): Promise<AnalyticsJobHandle> {
  const log = options.log ?? (() => undefined);
  if (isJarStale(jobJar, JOB_SOURCES)) {
    log('building analytics/target/order-analytics.jar with Maven (first run: a few minutes)');
    await runToCompletion('mvn', ['--batch-mode', '--quiet', '--file', pom, 'package', '-DskipTests']);
  }
  if (isJarStale(flinkClasspathFile, JOB_SOURCES)) {
    log('resolving the Flink classpath with Maven');
    await writeMavenClasspath(pom, 'provided', flinkClasspathFile);
  }
  const flinkClasspath = (await readFile(flinkClasspathFile, 'utf8')).trim();

  const checkpoints = join(options.stateDir, 'checkpoints');
  await mkdir(checkpoints, { recursive: true });
  const log4jFile = join(options.stateDir, 'log4j2.properties');
  await writeFile(log4jFile, LOG4J_PROPERTIES);
  const earlierJobs = new Set(await readdir(checkpoints));

  const logFile = join(options.stateDir, 'analytics.log');
  const child = await startChild({
    name: 'analytics',
    command: 'java',
    args: [
      `@${jvmArgsFile}`,
      '-Xms256m',
      '-Xmx768m',
      `-Dlog4j.configurationFile=${log4jFile}`,
      '-cp',
      `${jobJar}:${flinkClasspath}`,
      MAIN_CLASS,
      '--brokers', options.brokers,
      '--checkpoints', pathToFileURL(checkpoints).href,
      '--lake', pathToFileURL(join(options.stateDir, 'lake')).href,
      '--restore', 'latest',
      ...Object.entries(options.flags ?? {}).flatMap(([flag, value]) => [`--${flag}`, value]),
    ],
    logFile,
  });
  log(`job JVM ${child.pid} started, log ${logFile}`);
  try {
    // Flink creates <checkpoints>/<job id>/ when the job's checkpoint coordinator starts.
    await waitUntil(async () => (await readdir(checkpoints)).some((name) => !earlierJobs.has(name)), {
      description: 'the analytics job to start',
      timeoutMs: STARTUP_TIMEOUT_MS,
      intervalMs: 500,
      child,
    });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { pid: child.pid, logFile, stop: () => child.stop(30_000) };
}

/** What the jar packs: a change to any of them makes the jar, and the classpath resolved beside it, stale. */
const JOB_SOURCES = [pom, join(analyticsDir, 'src'), join(repoRoot, 'contracts', 'schemas'), join(repoRoot, 'contracts', 'platform.json')];

/** Flink's log4j2: warnings, plus the job's own messages, into analytics.log. */
const LOG4J_PROPERTIES = `rootLogger.level = WARN
rootLogger.appenderRef.console.ref = Console
logger.job.name = com.cloudshop.analytics
logger.job.level = INFO
appender.console.name = Console
appender.console.type = Console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss.SSS} %-5p %c{1} - %m%n
`;
