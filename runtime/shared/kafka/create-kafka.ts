import { Type, type Static } from '@sinclair/typebox';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type logCreator } from 'kafkajs';
import type { FastifyBaseLogger } from 'fastify';
import './request-queue-fix';

/*
 * The only module that imports KafkaJS's constructor. KafkaJS is the client the design names, but its
 * upstream is looking for maintainers; keeping its set-up here means a move to another client changes
 * this folder, not the services.
 */

export const kafkaConfig = {
  KAFKA_BROKERS: Type.String({ minLength: 1, description: 'comma-separated host:port list' }),
  KAFKA_AUTH: Type.Union([Type.Literal('none'), Type.Literal('aws-iam')], { default: 'none' }),
  AWS_REGION: Type.String({ default: 'us-east-1' }),
};
const KafkaEnv = Type.Object(kafkaConfig);
export type KafkaEnv = Static<typeof KafkaEnv>;

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes KafkaJS's own logs into the service's pino logger, so they are JSON and carry the service name. */
const pinoLogCreator =
  (logger: FastifyBaseLogger): logCreator =>
  () =>
  ({ level, log }: LogEntry) => {
    const { message, ...extra } = log;
    logger[LEVELS[level] ?? 'info']({ kafka: extra }, message);
  };

export interface CreateKafkaOptions {
  readonly clientId: string;
  readonly env: KafkaEnv;
  readonly logger: FastifyBaseLogger;
}

/** Plaintext locally; on MSK, TLS with SASL/OAUTHBEARER tokens signed by the pod's IAM role. */
export function createKafka({ clientId, env, logger }: CreateKafkaOptions): Kafka {
  const brokers = env.KAFKA_BROKERS.split(',').map((broker) => broker.trim()).filter(Boolean);
  const config: KafkaConfig = {
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 300, retries: 5 },
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger),
  };
  if (env.KAFKA_AUTH === 'aws-iam') {
    config.ssl = true;
    config.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region: env.AWS_REGION })).token }),
    };
  }
  return new Kafka(config);
}
