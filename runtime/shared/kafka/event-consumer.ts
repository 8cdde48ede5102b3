import { SpanKind } from '@opentelemetry/api';
import type { TSchema, Static } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { FastifyBaseLogger } from 'fastify';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { Counter, Histogram, type Registry } from 'prom-client';
import { platformContract } from '../../../contracts/platform';
import {
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
  ATTR_MESSAGING_KAFKA_OFFSET,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from '../telemetry/attributes';
import { contextFromHeaders, inSpan } from '../telemetry/spans';
import { createConsumerLag } from './consumer-lag';
import type { EventPublisher } from './event-publisher';

/** Thrown by a handler for an event that can never be processed (e.g. its user no longer exists): it goes to the dead-letter topic. */
export class UnprocessableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnprocessableEventError';
  }
}

export interface EventContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
}

export interface EventConsumerOptions<T extends TSchema> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  /** Where messages go that fail validation or that the handler rejects as unprocessable. */
  readonly deadLetterTopic: string;
  /** Compiled schema every message value must satisfy (import events/formats before compiling). */
  readonly check: TypeCheck<T>;
  /** Processes one valid event; throw UnprocessableEventError to dead-letter it, anything else to retry it. */
  readonly handle: (event: Static<T>, context: EventContext) => Promise<void>;
  readonly deadLetters: Pick<EventPublisher, 'publish'>;
  readonly log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** First wait before retrying a message that failed for a transient reason; doubles up to 15 s. @default 500 */
  readonly retryBackoffMs?: number;
  /** How often kafka_consumer_lag is read while consuming. @default 10000 */
  readonly lagIntervalMs?: number;
}

type Outcome = 'processed' | 'dead_lettered';

const MAX_RETRY_BACKOFF_MS = 15_000;

/** The reason a message cannot become an event, or the event. */
function decode<T extends TSchema>(message: KafkaMessage, check: TypeCheck<T>): { event: Static<T> } | { reason: string } {
  if (!message.value || message.value.length === 0) return { reason: 'empty message value' };
  let value: unknown;
  try {
    value = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    return { reason: `value is not JSON: ${(error as Error).message}` };
  }
  if (check.Check(value)) return { event: value };
  const problems = [...check.Errors(value)].slice(0, 5).map((e) => `${e.path || '/'} ${e.message}`);
  return { reason: `value does not match the schema: ${problems.join('; ')}` };
}

const headerText = (value: unknown): string =>
  Array.isArray(value) ? value.map(headerText).join(',') : Buffer.isBuffer(value) ? value.toString('utf8') : String(value ?? '');

/**
 * A consumer-group member that validates every message, hands valid events to `handle`, and commits
 * each offset only after the event was handled or dead-lettered. Invalid or unprocessable messages go
 * to the dead-letter topic with the reason in headers, so they never crash the consumer or block the
 * partition; transient failures retry the same message with back-off (order within a partition kept).
 * Each attempt runs in a CONSUMER span `<topic> process`, child of the producer's span in the message
 * headers, so one order's trace continues here; counts, durations and the group's lag go to /metrics.
 */
export function createEventConsumer<T extends TSchema>(options: EventConsumerOptions<T>) {
  const { log } = options;
  const firstBackoffMs = options.retryBackoffMs ?? 500;
  let consumer: Consumer | undefined;
  let joined = false;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const groupLabels = { group: options.groupId, topic: options.topic };
  const messages = new Counter({ name: 'kafka_consumer_messages_total', help: 'Messages handled, by outcome', labelNames: ['group', 'topic', 'outcome'], registers: [] });
  const deadLetters = new Counter({ name: 'kafka_consumer_dead_letters_total', help: 'Messages sent to the dead-letter topic', labelNames: ['group', 'topic'], registers: [] });
  const processing = new Histogram({
    name: 'kafka_consumer_processing_duration_seconds',
    help: 'Time from receiving a message until it is handled or dead-lettered, retries included',
    labelNames: ['group', 'topic'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [],
  });
  const lag = createConsumerLag({ kafka: options.kafka, groupId: options.groupId, topic: options.topic, log, intervalMs: options.lagIntervalMs });

  async function deadLetter(message: KafkaMessage, reason: string, context: EventContext): Promise<Outcome> {
    const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, headerText(value)]));
    const names = platformContract.deadLetterHeaders;
    await options.deadLetters.publish([
      {
        topic: options.deadLetterTopic,
        key: context.key,
        value: message.value ?? '',
        headers: {
          ...headers,
          [names.reason]: reason.slice(0, 1000),
          [names.sourceTopic]: context.topic,
          [names.sourcePartition]: String(context.partition),
          [names.sourceOffset]: context.offset,
          [names.consumerGroup]: options.groupId,
          [names.failedAt]: new Date().toISOString(),
        },
      },
    ]);
    deadLetters.inc(groupLabels);
    log.warn({ ...context, reason }, 'message sent to the dead-letter topic');
    return 'dead_lettered';
  }

  async function process(message: KafkaMessage, context: EventContext): Promise<Outcome> {
    const decoded = decode(message, options.check);
    if ('reason' in decoded) return deadLetter(message, decoded.reason, context);
    try {
      await options.handle(decoded.event, context);
      return 'processed';
    } catch (error) {
      if (error instanceof UnprocessableEventError) return deadLetter(message, error.message, context);
      throw error;
    }
  }

  /** One attempt, in a span continuing the trace the producer put in the headers. */
  const attempt = (message: KafkaMessage, context: EventContext, attemptNo: number) =>
    inSpan(
      `${context.topic} process`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromHeaders(message.headers),
        attributes: {
          [ATTR_MESSAGING_SYSTEM]: 'kafka',
          [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
          [ATTR_MESSAGING_DESTINATION_NAME]: context.topic,
          [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(context.partition),
          [ATTR_MESSAGING_CONSUMER_GROUP_NAME]: options.groupId,
          [ATTR_MESSAGING_KAFKA_OFFSET]: Number(context.offset),
          ...(context.key === null ? {} : { [ATTR_MESSAGING_KAFKA_MESSAGE_KEY]: context.key }),
          'shop.attempt': attemptNo,
        },
      },
      async (span) => {
        const outcome = await process(message, context);
        span.setAttribute('shop.outcome', outcome);
        return outcome;
      },
    );

  async function sleepWithHeartbeats(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (!stopping && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - Date.now())));
      await heartbeat().catch(() => undefined);
    }
  }

  /** Joins again after a failed start or a crash KafkaJS does not recover from itself. */
  function startLater(): void {
    if (stopping) return;
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => void join(), 5000);
  }

  /** Connects, subscribes and runs; never rejects: a failure is logged and retried, readiness reports it. */
  async function join(): Promise<void> {
    try {
      await startMember();
    } catch (error) {
      log.error({ err: error, groupId: options.groupId }, 'consumer could not start; trying again in 5 s');
      await consumer?.disconnect().catch(() => undefined);
      startLater();
    }
  }

  async function startMember(): Promise<void> {
    const member = options.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
    consumer = member;
    member.on(member.events.GROUP_JOIN, () => {
      joined = true;
      log.info({ groupId: options.groupId, topic: options.topic }, 'consumer joined its group');
    });
    member.on(member.events.CRASH, ({ payload }) => {
      joined = false;
      log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      // KafkaJS restarts after retriable errors itself; after any other crash this member is done, so start a new one.
      if (!payload.restart) startLater();
    });
    member.on(member.events.STOP, () => (joined = false));
    member.on(member.events.DISCONNECT, () => (joined = false));
    await member.connect();
    await member.subscribe({ topic: options.topic, fromBeginning: true });
    await member.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        const context: EventContext = { topic, partition, offset: message.offset, key: message.key?.toString('utf8') ?? null };
        const received = performance.now();
        for (let attemptNo = 1; ; attemptNo++) {
          try {
            const outcome = await attempt(message, context, attemptNo);
            messages.inc({ ...groupLabels, outcome });
            processing.observe(groupLabels, (performance.now() - received) / 1000);
            break;
          } catch (error) {
            // Throwing leaves the offset uncommitted: the next member of the group starts here again.
            if (stopping) throw error;
            const backoffMs = Math.min(MAX_RETRY_BACKOFF_MS, firstBackoffMs * 2 ** (attemptNo - 1));
            log.warn({ err: error, ...context, attempt: attemptNo, backoffMs }, 'could not process message; retrying it');
            await sleepWithHeartbeats(backoffMs, heartbeat);
          }
        }
        await member.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
  }

  return {
    /** Joins the group and starts reading the lag. */
    async start(): Promise<void> {
      lag.start();
      await join();
    },
    /** Readiness: the member has joined its group and is consuming. */
    isJoined: () => joined,
    /** Leaves the group after the message in hand (its offset is committed once handled). */
    async stop(): Promise<void> {
      stopping = true;
      clearTimeout(restartTimer);
      await lag.stop();
      await consumer?.disconnect();
    },
    registerMetrics(registry: Registry): void {
      for (const metric of [messages, deadLetters, processing]) registry.registerMetric(metric);
      lag.registerMetrics(registry);
    },
  };
}
export type EventConsumer = ReturnType<typeof createEventConsumer>;
