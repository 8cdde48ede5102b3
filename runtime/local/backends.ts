import { join } from 'node:path';
import { startDynamoDbApi, type DynamoDbApiHandle } from './dynamodb';
import { startKafka, type KafkaHandle } from './kafka';
import { startMariaDb, type MariaDbHandle } from './mariadb';
import { startOtelCollector, type OtelCollectorHandle } from './otel-collector';
import { assertPrerequisites } from './prerequisites';
import { silentProgress, type Progress } from './progress';
import { LOCAL_AWS_CREDENTIALS, startS3, type ObjectCreatedHandler, type S3Handle } from './s3';

export interface LocalBackendsOptions {
  /** Data and logs of this run: `mariadb/`, `kafka/`, `s3/`, `otel/` and `logs/` are created inside. */
  readonly stateDir: string;
  /** Invoked with the S3 event of each object created under `catalog/` in the catalog bucket. */
  readonly onObjectCreated?: ObjectCreatedHandler;
  /** An existing MariaDB/MySQL server to use instead of starting one. @default process.env.MYSQL_URL */
  readonly mysqlUrl?: string;
  /** The OpenTelemetry Collector's OTLP/HTTP port. @default a free port */
  readonly otlpPort?: number;
  /** Where the collector writes the spans it receives, emptied at start. @default `<stateDir>/otel/traces.jsonl` */
  readonly tracesFile?: string;
  readonly progress?: Progress;
}

/** The environment of docs/runtime-contract.md that points the services at these backends. */
export interface LocalBackendEnv {
  readonly SQL_DRIVER: 'mysql';
  readonly MYSQL_URL: string;
  readonly KAFKA_BROKERS: string;
  readonly KAFKA_AUTH: 'none';
  readonly DYNAMODB_ENDPOINT: string;
  readonly PRODUCTS_TABLE: string;
  readonly S3_ENDPOINT: string;
  readonly AWS_REGION: string;
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
  readonly OTEL_EXPORTER_OTLP_ENDPOINT: string;
}

export interface LocalBackends {
  readonly env: LocalBackendEnv;
  readonly mariadb: MariaDbHandle;
  readonly kafka: KafkaHandle;
  readonly dynamodb: DynamoDbApiHandle;
  readonly s3: S3Handle;
  readonly otelCollector: OtelCollectorHandle;
  /** Stops every backend; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Starts MariaDB, Kafka, the DynamoDB API server, S3 and the OpenTelemetry Collector side by side. If one fails, the others are
 * stopped again and the error names every backend that failed.
 */
export async function startLocalBackends(options: LocalBackendsOptions): Promise<LocalBackends> {
  const progress = options.progress ?? silentProgress;
  await assertPrerequisites();
  const logs = join(options.stateDir, 'logs');
  const starts = [
    startMariaDb({ dataDir: join(options.stateDir, 'mariadb'), logFile: join(logs, 'mariadb.log'), existingUrl: options.mysqlUrl, progress }),
    startKafka({ dataDir: join(options.stateDir, 'kafka'), logFile: join(logs, 'kafka.log'), progress }),
    startDynamoDbApi({ logFile: join(logs, 'dynamodb-api.log'), progress }),
    startS3({ directory: join(options.stateDir, 's3'), onObjectCreated: options.onObjectCreated, progress }),
    startOtelCollector({
      tracesFile: options.tracesFile ?? join(options.stateDir, 'otel', 'traces.jsonl'),
      configFile: join(options.stateDir, 'otel', 'collector.yaml'),
      logFile: join(logs, 'otel-collector.log'),
      port: options.otlpPort,
      progress,
    }),
  ] as const;
  const settled = await Promise.allSettled(starts);
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.all(settled.map((result) => (result.status === 'fulfilled' ? result.value.stop() : undefined)));
    throw new AggregateError(failures, `local backends failed to start:\n${failures.map((error) => `  - ${error instanceof Error ? error.message : String(error)}`).join('\n')}`);
  }
  const [mariadb, kafka, dynamodb, s3, otelCollector] = await Promise.all(starts);
  let stopping: Promise<void> | undefined;
  return {
    env: {
      SQL_DRIVER: 'mysql',
      MYSQL_URL: mariadb.url,
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_AUTH: 'none',
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      PRODUCTS_TABLE: 'products',
      S3_ENDPOINT: s3.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
      OTEL_EXPORTER_OTLP_ENDPOINT: otelCollector.endpoint,
    },
    mariadb,
    kafka,
    dynamodb,
    s3,
    otelCollector,
    stop() {
      stopping ??= Promise.all([s3.stop(), dynamodb.stop(), kafka.stop(), mariadb.stop(), otelCollector.stop()]).then(() => undefined);
      return stopping;
    },
  };
}
