import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { platformContract } from '../../contracts/platform';
import { runToCompletion, startChild, waitUntil, type RunningChild } from './child-process';
import { resolveMavenJars } from './maven';
import { freePort } from './network';
import { silentProgress, type Progress } from './progress';
import { localCacheDir, publishDirectory } from './workspace';

export interface TopicDeclaration {
  readonly topic: string;
  readonly numPartitions: number;
  readonly retentionHours: number;
}

/** The platform contract's topics; auto-creation is off, so these are all there is. */
export const PLATFORM_TOPICS: readonly TopicDeclaration[] = Object.values(platformContract.topics).map(
  ({ name, partitions, retentionHours }) => ({ topic: name, numPartitions: partitions, retentionHours }),
);

export interface KafkaOptions {
  /** Holds the broker's configuration and its log directory; formatted on first use. */
  readonly dataDir: string;
  /** The broker's log4j output; the JVM's own stdout and stderr go beside it. */
  readonly logFile: string;
  /** @default a free port */
  readonly port?: number;
  /** @default PLATFORM_TOPICS */
  readonly topics?: readonly TopicDeclaration[];
  readonly progress?: Progress;
}

export interface KafkaHandle {
  /** `127.0.0.1:PORT`, the value of KAFKA_BROKERS. */
  readonly brokers: string;
  readonly port: number;
  readonly logFile: string;
  /** Pid of the broker's JVM as last started. */
  pid(): number;
  /** Stops the broker, keeping its port and data, to simulate an outage. */
  stopBroker(): Promise<void>;
  /** Starts it again after stopBroker(), on the same port with the same data. */
  startBroker(): Promise<void>;
  stop(): Promise<void>;
}

const BROKER_MAIN_CLASS = 'kafka.Kafka';
const STORAGE_TOOL_CLASS = 'kafka.tools.StorageTool';

/**
 * Apache Kafka 3.9 from Maven Central in KRaft mode: one JVM that is both controller and broker,
 * listening on 127.0.0.1 only, with the platform's topics declared.
 */
export async function startKafka(options: KafkaOptions): Promise<KafkaHandle> {
  const progress = options.progress ?? silentProgress;
  progress('kafka', 'resolving kafka_2.13 with Maven');
  const classpath = (await resolveMavenJars('kafka.pom.xml')).join(':');
  const classpathKey = createHash('sha256').update(classpath).digest('hex').slice(0, 16);
  const port = options.port ?? (await freePort());
  const controllerPort = await freePort();
  const configFile = join(options.dataDir, 'server.properties');
  const log4jFile = join(options.dataDir, 'log4j.properties');
  const logDir = join(options.dataDir, 'log');
  await mkdir(options.dataDir, { recursive: true });
  await writeFile(configFile, brokerProperties({ port, controllerPort, logDir }));
  await writeFile(log4jFile, log4jProperties(options.logFile));
  const java = (mainClass: string, ...jvmOptions: string[]) => [
    '-Xms256m',
    '-Xmx768m',
    ...jvmOptions,
    `-Dlog4j.configuration=file:${log4jFile}`,
    '-cp',
    classpath,
    mainClass,
  ];

  if (!existsSync(join(logDir, 'meta.properties'))) {
    const template = join(localCacheDir, 'kafka', `formatted-storage-${classpathKey}`);
    if (!existsSync(join(template, 'meta.properties'))) {
      progress('kafka', 'formatting KRaft storage (first start only)');
      await formatStorageTemplate(template, java(STORAGE_TOOL_CLASS), (formattedDir) => brokerProperties({ port, controllerPort, logDir: formattedDir }));
    }
    await cp(template, logDir, { recursive: true });
  }

  const brokers = `127.0.0.1:${port}`;
  const stdoutLog = options.logFile.replace(/(\.log)?$/, '.stdout.log');
  let broker: RunningChild | undefined;
  const classArchive = join(localCacheDir, 'kafka', `broker-classes-${classpathKey}.jsa`);
  let archiveBeingWritten: string | undefined;
  const startBroker = async () => {
    progress('kafka', `starting the broker on ${brokers}`);
    // Loading Kafka's and Scala's classes is most of the broker's start-up time. The first broker
    // records them in a class-data archive when it exits, and later ones map that archive instead.
    let archiveOption: string;
    if (existsSync(classArchive)) {
      archiveOption = `-XX:SharedArchiveFile=${classArchive}`;
    } else {
      archiveBeingWritten = `${classArchive}.${process.pid}-${Date.now()}`;
      archiveOption = `-XX:ArchiveClassesAtExit=${archiveBeingWritten}`;
    }
    broker = await startChild({ name: 'kafka', command: 'java', args: [...java(BROKER_MAIN_CLASS, archiveOption), configFile], logFile: stdoutLog });
    try {
      await waitForBroker(brokers, broker);
    } catch (error) {
      await broker.stop();
      throw error;
    }
  };
  const stopBroker = async () => {
    await broker?.stop(30_000);
    // Renamed only once complete, so that a concurrent start never maps a half-written archive.
    if (archiveBeingWritten && existsSync(archiveBeingWritten)) await rename(archiveBeingWritten, classArchive);
    archiveBeingWritten = undefined;
  };

  await startBroker();
  try {
    await declareTopics(brokers, options.topics ?? PLATFORM_TOPICS);
  } catch (error) {
    await stopBroker();
    throw error;
  }
  progress('kafka', `ready at ${brokers}`);
  return {
    brokers,
    port,
    logFile: options.logFile,
    pid: () => broker?.pid ?? 0,
    stopBroker,
    startBroker,
    stop: stopBroker,
  };
}

function brokerProperties({ port, controllerPort, logDir }: { port: number; controllerPort: number; logDir: string }): string {
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${logDir}`,
    'auto.create.topics.enable=false',
    // A single broker: every internal topic has one replica, and Flink's transactional KafkaSink
    // needs the transaction log to accept writes with that one replica in sync.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    // Fewer internal partitions make the first consumer group and the first transaction quick to set up.
    'offsets.topic.num.partitions=3',
    'transaction.state.log.num.partitions=3',
    // Consumers join at once instead of waiting for more members that never come.
    'group.initial.rebalance.delay.ms=0',
    'num.partitions=1',
  ].join('\n')}\n`;
}

function log4jProperties(logFile: string): string {
  return `${[
    'log4j.rootLogger=INFO, file',
    'log4j.logger.kafka=INFO',
    'log4j.logger.org.apache.kafka=INFO',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${logFile}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
  ].join('\n')}\n`;
}

/**
 * Formats a log directory once into .local/ so later starts copy it rather than spend a JVM start on
 * the storage tool; a fresh copy per run is what formatting would give, cluster id included.
 */
async function formatStorageTemplate(template: string, storageTool: string[], propertiesFor: (logDir: string) => string): Promise<void> {
  await mkdir(join(template, '..'), { recursive: true });
  const scratch = await mkdtemp(`${template}-`);
  try {
    const formatted = join(scratch, 'log');
    const configFile = join(scratch, 'format.properties');
    await writeFile(configFile, propertiesFor(formatted));
    await runToCompletion('java', [...storageTool, 'format', '--cluster-id', kafkaUuid(), '--config', configFile]);
    await publishDirectory(formatted, template);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * A cluster id in Kafka's own format (Uuid.randomUuid().toString(): 16 bytes, base64url unpadded). Like Kafka's,
 * never one that starts with `-`: the storage tool would read it as an option and fail (one start in 64).
 */
export function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function adminClient(brokers: string) {
  return new Kafka({ clientId: 'local-launcher', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
}

async function waitForBroker(brokers: string, broker: RunningChild): Promise<void> {
  await waitUntil(
    async () => {
      const admin = adminClient(brokers);
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.controller !== null && cluster.brokers.length > 0;
      } finally {
        await admin.disconnect();
      }
    },
    { description: `the Kafka broker at ${brokers}`, timeoutMs: 90_000, intervalMs: 500, child: broker },
  );
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
async function declareTopics(brokers: string, topics: readonly TopicDeclaration[]): Promise<void> {
  const admin = adminClient(brokers);
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter(({ topic }) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map(({ topic, numPartitions, retentionHours }) => ({
          topic,
          numPartitions,
          replicationFactor: 1,
          configEntries: [{ name: 'retention.ms', value: String(retentionHours * 3_600_000) }],
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
