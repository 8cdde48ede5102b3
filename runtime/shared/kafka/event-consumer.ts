import type { TSchema, Static } from '@sinclair/typebox';
import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { FastifyBaseLogger } from 'fastify';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { platformContract } from '../../../contracts/platform';
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
}

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
 */
export function createEventConsumer<T extends TSchema>(options: EventConsumerOptions<T>) {
  const { log } = options;
  const firstBackoffMs = options.retryBackoffMs ?? 500;
  let consumer: Consumer | undefined;
  let joined = false;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;

  async function deadLetter(message: KafkaMessage, reason: string, context: EventContext): Promise<void> {
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
    log.warn({ ...context, reason }, 'message sent to the dead-letter topic');
  }

  async function process(message: KafkaMessage, context: EventContext): Promise<void> {
    const decoded = decode(message, options.check);
    if ('reason' in decoded) return deadLetter(message, decoded.reason, context);
    try {
      await options.handle(decoded.event, context);
    } catch (error) {
      if (error instanceof UnprocessableEventError) return deadLetter(message, error.message, context);
      throw error;
    }
  }

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
    restartTimer = setTimeout(() => void start(), 5000);
  }

  /** Connects, subscribes and runs; never rejects: a failure is logged and retried, readiness reports it. */
  async function start(): Promise<void> {
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
        for (let attempt = 1; ; attempt++) {
          try {
            await process(message, context);
            break;
          } catch (error) {
            // Throwing leaves the offset uncommitted: the next member of the group starts here again.
            if (stopping) throw error;
            const backoffMs = Math.min(MAX_RETRY_BACKOFF_MS, firstBackoffMs * 2 ** (attempt - 1));
            log.warn({ err: error, ...context, attempt, backoffMs }, 'could not process message; retrying it');
            await sleepWithHeartbeats(backoffMs, heartbeat);
          }
        }
        await member.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
  }

  return {
    start,
    /** Readiness: the member has joined its group and is consuming. */
    isJoined: () => joined,
    /** Leaves the group after the message in hand (its offset is committed once handled). */
    async stop(): Promise<void> {
      stopping = true;
      clearTimeout(restartTimer);
      await consumer?.disconnect();
    },
  };
}
export type EventConsumer = ReturnType<typeof createEventConsumer>;
