import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import type { ServiceApp } from '../../runtime/shared/server';
import { localBackends } from './backends';

/*
 * Helpers shared by the orders, notifications and order-flow tests: a reader that collects what
 * reaches a Kafka topic, in-process services on ephemeral ports, and polling for eventual outcomes.
 */

export async function eventually<T>(probe: () => Promise<T | undefined>, description: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const testKafka = () =>
  new Kafka({ clientId: `test-${randomUUID().slice(0, 8)}`, brokers: localBackends().env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });

export interface TopicReader {
  readonly messages: KafkaMessage[];
  /** Messages whose key is `key`, once at least `count` of them arrived. */
  waitForKey(key: string, count?: number, timeoutMs?: number): Promise<KafkaMessage[]>;
  stop(): Promise<void>;
}

/** Reads a topic from the beginning in a group of its own, collecting every message. */
export async function readTopic(topic: string): Promise<TopicReader> {
  const consumer: Consumer = testKafka().consumer({ groupId: `test-reader-${randomUUID()}`, retry: { retries: 100 } });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
  const withKey = (key: string) => messages.filter((message) => message.key?.toString() === key);
  return {
    messages,
    waitForKey: (key, count = 1, timeoutMs = 60_000) =>
      eventually(async () => (withKey(key).length >= count ? withKey(key) : undefined), `${count} message(s) with key ${key} on ${topic}`, timeoutMs),
    stop: () => consumer.disconnect(),
  };
}

export const header = (message: KafkaMessage, name: string) => message.headers?.[name]?.toString();

/** Listens on an ephemeral port; resolves with its base URL. */
export async function listen(app: ServiceApp): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export interface StubService {
  readonly url: string;
  close(): Promise<void>;
}

/** A plain HTTP server standing in for another service, answering JSON from `handle`. */
export async function startStubService(handle: (request: IncomingMessage, body: unknown) => [number, unknown?] | Promise<[number, unknown?]>): Promise<StubService> {
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const text = Buffer.concat(chunks).toString();
      const [status, body] = await handle(request, text ? JSON.parse(text) : undefined);
      if (body === undefined) response.writeHead(status).end();
      else response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
