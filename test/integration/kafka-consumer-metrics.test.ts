import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Admin } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createConsumerLag, createEventConsumer, createEventPublisher, createKafka, UnprocessableEventError } from '../../runtime/shared/kafka';
import { sample } from '../runtime/telemetry/metric-sample';
import { localBackends } from './backends';

/*
 * Consumer metrics against the real local broker: the lag the admin API reads is the log end minus what the
 * group committed, and the shared consumer counts what it processed and dead-lettered. Topics of their own,
 * deleted afterwards (the local-backends test checks the broker holds only the declared ones).
 */

const logger = pino({ level: 'silent' });
const kafka = createKafka({ clientId: 'consumer-metrics-test', env: { ...localBackends().env, KAFKA_AUTH: 'none' }, logger });
const topic = `consumer-metrics-${randomUUID().slice(0, 8)}`;
const deadLetterTopic = `${topic}.dlq`;
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }, { topic: deadLetterTopic, numPartitions: 1 }], waitForLeaders: true });
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic, deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
});

async function produce(messages: { partition: number; value: string }[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: messages.map((message, i) => ({ ...message, key: `k-${i}` })) });
  } finally {
    await producer.disconnect();
  }
}

describe('kafka_consumer_lag', () => {
  it("is each partition's log end minus the group's committed offset, everything retained where it committed nothing", async () => {
    await produce([...Array.from({ length: 5 }, () => ({ partition: 0, value: '{"n":1}' })), ...Array.from({ length: 2 }, () => ({ partition: 1, value: '{"n":1}' }))]);
    const groupId = `lag-${randomUUID().slice(0, 8)}`;
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] });
    const lag = createConsumerLag({ kafka, groupId, topic, log: logger });
    const registry = new Registry();
    lag.registerMetrics(registry);
    try {
      expect(Object.fromEntries(await lag.refresh())).toEqual({ 0: 3, 1: 2 });
      expect(await sample(registry, 'kafka_consumer_lag', { group: groupId, topic, partition: '0' })).toBe(3);
      expect(await sample(registry, 'kafka_consumer_lag', { group: groupId, topic, partition: '1' })).toBe(2);
    } finally {
      await lag.stop();
    }
  });
});

describe('the shared consumer', () => {
  it('counts processed and dead-lettered messages, times them, and reads its lag down to zero', async () => {
    const groupId = `consumer-${randomUUID().slice(0, 8)}`;
    const deadLetters = createEventPublisher(kafka);
    const handled: number[] = [];
    const consumer = createEventConsumer({
      kafka,
      groupId,
      topic,
      deadLetterTopic,
      check: TypeCompiler.Compile(Type.Object({ n: Type.Number() })),
      handle: async ({ n }) => {
        if (n < 0) throw new UnprocessableEventError(`n=${n} cannot be handled`);
        handled.push(n);
      },
      deadLetters,
      log: logger,
      lagIntervalMs: 200,
    });
    const registry = new Registry();
    consumer.registerMetrics(registry);
    // The first test's seven messages are valid; these add one that is not JSON and one the handler refuses.
    await produce([
      { partition: 0, value: 'not json' },
      { partition: 1, value: '{"n":-1}' },
    ]);
    const labels = { group: groupId, topic };
    try {
      await consumer.start();
      await vi.waitFor(
        async () => {
          expect(await sample(registry, 'kafka_consumer_messages_total', { ...labels, outcome: 'processed' })).toBe(7);
          expect(await sample(registry, 'kafka_consumer_messages_total', { ...labels, outcome: 'dead_lettered' })).toBe(2);
        },
        { timeout: 60_000, interval: 200 },
      );
      expect(handled).toHaveLength(7);
      expect(await sample(registry, 'kafka_consumer_dead_letters_total', labels)).toBe(2);
      expect(await sample(registry, 'kafka_consumer_processing_duration_seconds_count', labels)).toBe(9);
      await vi.waitFor(
        async () => {
          expect(await sample(registry, 'kafka_consumer_lag', { ...labels, partition: '0' })).toBe(0);
          expect(await sample(registry, 'kafka_consumer_lag', { ...labels, partition: '1' })).toBe(0);
        },
        { timeout: 20_000, interval: 200 },
      );
    } finally {
      await consumer.stop();
      await deadLetters.close();
    }
  });
});
