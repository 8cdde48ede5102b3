import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { InitializationAction } from './analytics-cluster.js';
import type { AnalyticsIdentity, KafkaAccess } from './analytics-identity.js';
import type { DataLake } from './data-lake.js';
import { buildJobJarIfStale, type JobJarBuild } from './job-jar-build.js';
import { assertGcpName, assertPositiveInteger, invalid, isPlanTimeValue } from './validation.js';

export type FlinkJobState = 'running' | 'stopped';

/** Where the job reads and writes Kafka; every name must be one the identity's Kafka access grants. */
export interface FlinkJobKafka {
  /** MSK bootstrap brokers for IAM auth (port 9098), comma-separated `host:port`. */
  readonly bootstrapBrokers: string;
  /** AWS region of the MSK cluster, for the STS and MSK IAM signer. */
  readonly awsRegion: string;
  /** Topic of the order events the job reads. */
  readonly ordersTopic: string;
  /** Topic the window results go to. */
  readonly resultsTopic: string;
  /** Topic for records the job cannot use. */
  readonly deadLetterTopic: string;
  /** Consumer group of the job's Kafka source. */
  readonly consumerGroup: string;
  /** Prefix of the transactional ids of the job's exactly-once sinks. */
  readonly transactionalIdPrefix: string;
}

export interface FlinkJobProps {
  /** Path of the job jar (`analytics/target/order-analytics.jar`). */
  readonly jarPath: string;
  /**
   * Builds `jarPath` with Maven at synth when it is missing or older than the job's sources.
   * @default - no build: `jarPath` is used as it is and must exist
   */
  readonly build?: JobJarBuild;
  /** Buckets: the jar and launcher go to the artifacts bucket, state and lake URIs become job arguments. */
  readonly dataLake: DataLake;
  /** The identity the job runs as; its AWS role is how the job authenticates to MSK. */
  readonly identity: AnalyticsIdentity;
  readonly kafka: FlinkJobKafka;
  /**
   * YARN application name; the launcher finds the running job by it.
   * @default 'order-analytics'
   */
  readonly jobName?: string;
  /**
   * Class with `main`.
   * @default - the `Main-Class` of the jar's manifest
   */
  readonly entryClass?: string;
  /** @default 2 */
  readonly parallelism?: number;
  /**
   * `stopped` makes the launcher stop the job with a savepoint; `running` starts or resumes it.
   * @default 'running'
   */
  readonly desiredState?: FlinkJobState;
  /**
   * Seconds between the job's exactly-once checkpoints; results and lake files become visible per checkpoint,
   * so this is also their latency.
   * @default 10
   */
  readonly checkpointIntervalSeconds?: number;
  /**
   * Ports of Flink's Prometheus reporter (`/metrics` on the JobManager and every TaskManager): a range, because
   * YARN may place several Flink processes on one node and each takes the first free port.
   * @default { from: 9249, to: 9259 }
   */
  readonly metricsPorts?: FlinkMetricsPorts;
}

export interface FlinkMetricsPorts {
  readonly from: number;
  readonly to: number;
}

/** Where the web-identity token for AWS is kept on every node (refreshed from the metadata server). */
export const AWS_WEB_IDENTITY_TOKEN_FILE = '/var/run/flink-aws-web-identity/token';

const assetsDir = fileURLToPath(new URL('./assets/', import.meta.url));
// The scripts are embedded verbatim as object content, where Terraform would read `${` and `%{` as
// template syntax; they are written without either (a test keeps it so).
const readAsset = (name: string) => readFileSync(`${assetsDir}${name}`, 'utf8');

/**
 * The analytics Flink job, deployed by the stack although the provider has no Flink job resource.
 *
 * - The jar is uploaded to `gs://<artifacts>/flink/jobs/<name>-<sha256 prefix>.jar`, so a new build is a
 *   new object and an unchanged one is no change at all.
 * - A desired-state manifest (`flink/desired/<name>.json`: jar URI, Flink options, job arguments, state)
 *   is the only thing a deploy changes.
 * - `initializationAction` installs, on every node, a timer that keeps the AWS web-identity token fresh,
 *   and on the master a reconcile timer that compares the manifest with what runs in YARN: it starts the
 *   job in YARN application mode, restarts it with stop-with-savepoint when the jar or options change,
 *   resuming from that savepoint, and stops it with a savepoint when the state is `stopped`.
 */
export class FlinkJob extends Construct {
  readonly jobName: string;
  /** First 16 hex characters of the jar's SHA-256; part of the object name. */
  readonly jarContentHash: string;
  readonly jarUri: string;
  readonly manifestUri: string;
  /** Pass to `AnalyticsCluster.initializationActions`. */
  readonly initializationAction: InitializationAction;

  constructor(scope: Construct, id: string, props: FlinkJobProps) {
    super(scope, id);
    if (!props.jarPath.endsWith('.jar')) throw invalid('FlinkJob', 'jarPath', props.jarPath, 'a path to a .jar file');
    if (props.build) buildJobJarIfStale('FlinkJob', props.jarPath, props.build);
    if (!existsSync(props.jarPath) || !statSync(props.jarPath).isFile()) {
      throw new Error(`FlinkJob: job jar not found at ${props.jarPath}; run mvn -f analytics/pom.xml package -DskipTests first`);
    }
    this.jobName = props.jobName ?? 'order-analytics';
    assertGcpName('FlinkJob', 'jobName', this.jobName, 40);
    const parallelism = props.parallelism ?? 2;
    assertPositiveInteger('FlinkJob', 'parallelism', parallelism);
    if (props.entryClass !== undefined && !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(props.entryClass)) {
      throw invalid('FlinkJob', 'entryClass', props.entryClass, 'a fully qualified Java class name');
    }
    const brokers = isPlanTimeValue(props.kafka.bootstrapBrokers) ? [] : props.kafka.bootstrapBrokers.split(',');
    if (brokers.some((broker) => !/^[A-Za-z0-9.-]+:\d+$/.test(broker))) {
      throw invalid('FlinkJob', 'kafka.bootstrapBrokers', props.kafka.bootstrapBrokers, 'comma-separated host:port pairs');
    }
    const checkpointIntervalSeconds = props.checkpointIntervalSeconds ?? 10;
    assertPositiveInteger('FlinkJob', 'checkpointIntervalSeconds', checkpointIntervalSeconds);
    const metricsPorts = props.metricsPorts ?? { from: 9249, to: 9259 };
    if (![metricsPorts.from, metricsPorts.to].every((port) => Number.isInteger(port) && port >= 1024 && port <= 65535) || metricsPorts.from > metricsPorts.to) {
      throw invalid('FlinkJob', 'metricsPorts', metricsPorts, 'a range of unprivileged ports (1024-65535), from <= to');
    }
    const desiredState = props.desiredState ?? 'running';
    if (desiredState !== 'running' && desiredState !== 'stopped') {
      throw invalid('FlinkJob', 'desiredState', desiredState, "'running' or 'stopped'");
    }
    const { dataLake, identity, kafka } = props;
    assertGranted(kafka, identity.kafka);
    const artifacts = dataLake.artifactsBucket;
    const artifactsUri = `gs://${artifacts.name}`;
    this.jarContentHash = createHash('sha256').update(readFileSync(props.jarPath)).digest('hex').slice(0, 16);

    // TerraformAsset copies the jar into the synth output, so Terraform uploads it from a relative path.
    const jarAsset = new TerraformAsset(this, 'jar-asset', { path: props.jarPath, type: AssetType.FILE });
    const jarObject = new StorageBucketObject(this, 'jar', {
      bucket: artifacts.name,
      name: `flink/jobs/${this.jobName}-${this.jarContentHash}.jar`,
      source: jarAsset.path,
      contentType: 'application/java-archive',
    });
    this.jarUri = `${artifactsUri}/${jarObject.name}`;

    const reconciler = new StorageBucketObject(this, 'reconciler', {
      bucket: artifacts.name,
      name: 'flink/launcher/reconcile-flink-job.py',
      content: readAsset('reconcile-flink-job.py'),
      contentType: 'text/x-python',
    });

    const manifest = new StorageBucketObject(this, 'manifest', {
      bucket: artifacts.name,
      name: `flink/desired/${this.jobName}.json`,
      contentType: 'application/json',
      content: JSON.stringify(
        {
          jobName: this.jobName,
          state: desiredState,
          jarUri: this.jarUri,
          entryClass: props.entryClass ?? null,
          checkpointsUri: dataLake.checkpointsUri,
          savepointsUri: dataLake.savepointsUri,
          flinkConfig: flinkConfig({ jobName: this.jobName, parallelism, dataLake, roleArn: identity.awsRole.arn, awsRegion: kafka.awsRegion, metricsPorts }),
          args: [
            '--brokers', kafka.bootstrapBrokers,
            '--security', 'iam',
            '--orders-topic', kafka.ordersTopic,
            '--results-topic', kafka.resultsTopic,
            '--dlq-topic', kafka.deadLetterTopic,
            '--group', kafka.consumerGroup,
            '--transactional-id-prefix', kafka.transactionalIdPrefix,
            '--checkpoints', dataLake.checkpointsUri,
            '--checkpoint-interval', `${checkpointIntervalSeconds} s`,
            '--lake', dataLake.lakeUri,
          ],
        },
        null,
        2,
      ),
    });
    this.manifestUri = `${artifactsUri}/${manifest.name}`;

    // The installer is the init action: the values it needs are written as shell variables above its body.
    const installer = new StorageBucketObject(this, 'installer', {
      bucket: artifacts.name,
      name: 'flink/launcher/install-flink-launcher.sh',
      contentType: 'text/x-shellscript',
      content: [
        '#!/bin/bash',
        `# Rendered by the FlinkJob construct for ${this.jobName}; see docs/gcp.md.`,
        `readonly RECONCILER_URI='${artifactsUri}/${reconciler.name}'`,
        `readonly MANIFEST_URI='${this.manifestUri}'`,
        `readonly TOKEN_AUDIENCE='${identity.tokenAudience}'`,
        `readonly TOKEN_FILE='${AWS_WEB_IDENTITY_TOKEN_FILE}'`,
        readAsset('install-flink-launcher.sh').replace(/^#!.*\n/, ''),
      ].join('\n'),
    });
    this.initializationAction = { scriptUri: `${artifactsUri}/${installer.name}`, timeoutSeconds: 300 };
  }
}

/** The job would fail at run time on a topic, group or transaction its AWS role may not use; fail the synth instead. */
function assertGranted(kafka: FlinkJobKafka, granted: KafkaAccess): void {
  const checks: [keyof FlinkJobKafka, boolean, string][] = [
    ['ordersTopic', granted.readTopics.includes(kafka.ordersTopic), `a topic the identity may read (${granted.readTopics.join(', ')})`],
    ['resultsTopic', granted.writeTopics.includes(kafka.resultsTopic), `a topic the identity may write (${granted.writeTopics.join(', ')})`],
    ['deadLetterTopic', granted.writeTopics.includes(kafka.deadLetterTopic), `a topic the identity may write (${granted.writeTopics.join(', ')})`],
    ['consumerGroup', granted.consumerGroup === kafka.consumerGroup, `the identity's consumer group '${granted.consumerGroup}'`],
    ['transactionalIdPrefix', granted.transactionalIdPrefix === kafka.transactionalIdPrefix, `the identity's transactional id prefix '${granted.transactionalIdPrefix}'`],
  ];
  for (const [prop, ok, expected] of checks) {
    if (!ok) throw invalid('FlinkJob', `kafka.${prop}`, kafka[prop], expected);
  }
}

interface FlinkConfigInputs {
  readonly jobName: string;
  readonly parallelism: number;
  readonly dataLake: DataLake;
  readonly roleArn: string;
  readonly awsRegion: string;
  readonly metricsPorts: FlinkMetricsPorts;
}

/**
 * Flink options the launcher passes as `-D` flags. The AWS variables reach the JobManager and TaskManager
 * containers, where the AWS SDK's web-identity provider (used by aws-msk-iam-auth) turns the Google ID
 * token in the token file into short-lived credentials for the role.
 */
function flinkConfig(inputs: FlinkConfigInputs): Record<string, string> {
  const awsEnvironment: Record<string, string> = {
    AWS_ROLE_ARN: inputs.roleArn,
    AWS_WEB_IDENTITY_TOKEN_FILE,
    AWS_ROLE_SESSION_NAME: inputs.jobName,
    AWS_REGION: inputs.awsRegion,
  };
  const containerEnvironment = Object.fromEntries(
    Object.entries(awsEnvironment).flatMap(([name, value]) => [
      [`containerized.master.env.${name}`, value],
      [`containerized.taskmanager.env.${name}`, value],
    ]),
  );
  return {
    'yarn.application.name': inputs.jobName,
    'parallelism.default': String(inputs.parallelism),
    'state.checkpoints.dir': inputs.dataLake.checkpointsUri,
    'state.savepoints.dir': inputs.dataLake.savepointsUri,
    // Keep the last checkpoint when the job is cancelled or fails, so the launcher can resume from it.
    'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    // Records in and out, watermarks and the source's watermark lag, checkpoint durations and failures, restarts:
    // Flink's own metrics, served for Prometheus to scrape. The reporter ships in the job jar (analytics/pom.xml).
    'metrics.reporter.prom.factory.class': 'org.apache.flink.metrics.prometheus.PrometheusReporterFactory',
    'metrics.reporter.prom.port': `${inputs.metricsPorts.from}-${inputs.metricsPorts.to}`,
    ...containerEnvironment,
  };
}
