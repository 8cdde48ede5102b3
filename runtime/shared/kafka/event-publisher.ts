import { context, SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { Histogram, type Registry } from 'prom-client';
import {
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_KAFKA_MESSAGE_KEY,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
} from '../telemetry/attributes';
import { recordFailure, traceHeaders, tracer } from '../telemetry/spans';

export interface OutgoingEvent {
  readonly topic: string;
  /** Null only when passing on a message that had no key (dead letters). */
  readonly key: string | null;
  /** The serialized event (JSON), or the raw bytes of a dead letter. */
  readonly value: string | Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The trace the event belongs to, when it is not the active one: the outbox relay publishes an
   * order's event long after, and outside, the request that placed it. @default - the active context
   */
  readonly traceContext?: Context;
}

export interface EventPublisherOptions {
  /**
   * Tries per send before it fails. KafkaJS's idempotent producer retries forever by default; the
   * callers here (the outbox relay) keep the events and try again later, so a bounded send lets them
   * release their database locks and back off while the brokers are down. @default 3
   */
  readonly retries?: number;
}

/**
 * An idempotent KafkaJS producer (acks from all in-sync replicas, broker-side de-duplication of
 * retried batches), connected on first use. After a failed send the producer is replaced, so the
 * next attempt starts with a fresh producer id and sequence rather than a poisoned one. Each event
 * is sent in a PRODUCER span `<topic> publish` whose W3C trace context travels in the message headers,
 * so the consumer's span continues the event's trace.
 */
export function createEventPublisher(kafka: Kafka, options: EventPublisherOptions = {}) {
  let producer: Promise<Producer> | undefined;
  const sendDuration = new Histogram({
    name: 'kafka_producer_send_duration_seconds',
    help: 'Time until the brokers acknowledged a send, per topic in it (one batch may span topics)',
    labelNames: ['topic', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [],
  });

  const connect = async () => {
    const created = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's partitioner: the same key lands on the same partition whichever client wrote it.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: options.retries ?? 3 },
    });
    try {
      await created.connect();
      return created;
    } catch (error) {
      await created.disconnect().catch(() => undefined);
      throw error;
    }
  };

  const discard = async () => {
    const current = producer;
    producer = undefined;
    await current?.then((p) => p.disconnect()).catch(() => undefined);
  };

  return {
    /** Resolves once every event is acknowledged by the brokers; order within a topic is kept. */
    async publish(events: readonly OutgoingEvent[]): Promise<void> {
      if (events.length === 0) return;
      const byTopic = new Map<string, { key: string | null; value: string | Buffer; headers: Record<string, string> }[]>();
      const spans: Span[] = [];
      for (const event of events) {
        const span = tracer.startSpan(
          `${event.topic} publish`,
          {
            kind: SpanKind.PRODUCER,
            attributes: {
              [ATTR_MESSAGING_SYSTEM]: 'kafka',
              [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
              [ATTR_MESSAGING_DESTINATION_NAME]: event.topic,
              ...(event.key === null ? {} : { [ATTR_MESSAGING_KAFKA_MESSAGE_KEY]: event.key }),
              ...(event.headers['event-id'] === undefined ? {} : { [ATTR_MESSAGING_MESSAGE_ID]: event.headers['event-id'] }),
            },
          },
          event.traceContext ?? context.active(),
        );
        spans.push(span);
        const messages = byTopic.get(event.topic) ?? [];
        messages.push({ key: event.key, value: event.value, headers: { ...event.headers, ...traceHeaders(trace.setSpan(context.active(), span)) } });
        byTopic.set(event.topic, messages);
      }
      const started = performance.now();
      const observe = (outcome: 'ok' | 'error') => {
        for (const topic of byTopic.keys()) sendDuration.observe({ topic, outcome }, (performance.now() - started) / 1000);
      };
      producer ??= connect();
      try {
        await (await producer).sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        observe('ok');
      } catch (error) {
        observe('error');
        for (const span of spans) recordFailure(span, error);
        await discard();
        throw error;
      } finally {
        for (const span of spans) span.end();
      }
    },
    close: discard,
    registerMetrics(registry: Registry): void {
      registry.registerMetric(sendDuration);
    },
  };
}
export type EventPublisher = ReturnType<typeof createEventPublisher>;
