import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyBaseLogger } from 'fastify';
import type { Kafka } from 'kafkajs';
import { platformContract } from '../../../../contracts/platform';
import { ANALYTICS_RESULTS_TOPIC, WindowResult } from '../../../shared/events';
import type { LatestWindows } from './latest-windows';

const isWindowResult = TypeCompiler.Compile(WindowResult);

export interface WindowsConsumer {
  /** Resolves once subscribed; records then flow into the store in the background. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Feeds `analytics-results` into the in-memory store. Every gateway replica needs every record, so
 * each one joins its own consumer group (unique per process), reads from the beginning and commits
 * nothing: the state is rebuilt from the topic on every start (see `LatestWindows`).
 * Records that do not match the contract are logged and skipped: this is a read-side cache, the
 * job's output is not ours to dead-letter, and one bad record must not stop the others.
 */
export function createWindowsConsumer(kafka: Kafka, store: LatestWindows, logger: FastifyBaseLogger): WindowsConsumer {
  const consumer = kafka.consumer({ groupId: `${platformContract.consumerGroups.gatewayAnalytics.idPrefix}${hostname()}-${randomUUID().slice(0, 8)}` });
  return {
    async start() {
      await consumer.connect();
      await consumer.subscribe({ topic: ANALYTICS_RESULTS_TOPIC, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          let value: unknown;
          try {
            value = JSON.parse(message.value?.toString('utf8') ?? 'null');
          } catch {
            value = undefined;
          }
          if (isWindowResult.Check(value)) {
            store.record(value);
            return;
          }
          const problem = value === undefined ? 'not JSON' : (isWindowResult.Errors(value).First()?.message ?? 'not a WindowResult');
          logger.warn({ topic: ANALYTICS_RESULTS_TOPIC, partition, offset: message.offset, problem }, 'skipped an analytics record');
        },
      });
    },
    stop: () => consumer.disconnect(),
  };
}
