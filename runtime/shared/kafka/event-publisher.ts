import { Partitioners, type Kafka, type Producer } from 'kafkajs';

export interface OutgoingEvent {
  readonly topic: string;
  /** Null only when passing on a message that had no key (dead letters). */
  readonly key: string | null;
  /** The serialized event (JSON), or the raw bytes of a dead letter. */
  readonly value: string | Buffer;
  readonly headers: Readonly<Record<string, string>>;
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
 * next attempt starts with a fresh producer id and sequence rather than a poisoned one.
 */
export function createEventPublisher(kafka: Kafka, options: EventPublisherOptions = {}) {
  let producer: Promise<Producer> | undefined;

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
      for (const event of events) {
        const messages = byTopic.get(event.topic) ?? [];
        messages.push({ key: event.key, value: event.value, headers: { ...event.headers } });
        byTopic.set(event.topic, messages);
      }
      producer ??= connect();
      try {
        await (await producer).sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      } catch (error) {
        await discard();
        throw error;
      }
    },
    close: discard,
  };
}
export type EventPublisher = ReturnType<typeof createEventPublisher>;
