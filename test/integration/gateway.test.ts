import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatestWindows } from '../../runtime/gateway/src/analytics/latest-windows';
import { createWindowsConsumer, type WindowsConsumer } from '../../runtime/gateway/src/analytics/windows-consumer';
import { buildApp } from '../../runtime/gateway/src/app';
import { createAccessTokenVerifier, issuerKeySet } from '../../runtime/gateway/src/identity/access-token-verifier';
import { ANALYTICS_RESULTS_TOPIC, type WindowResult } from '../../runtime/shared/events';
import { createKafka } from '../../runtime/shared/kafka';
import { localBackends } from './backends';
import { signIn } from './identity';

const logger = pino({ level: 'silent' });
const nowhere = 'http://127.0.0.1:1';

// A window no other test writes: a random minute in 2098, so it sorts first and is ours alone.
const start = Date.UTC(2098, 0, 1, 0, randomInt(0, 500_000));
const ours: WindowResult = {
  windowStart: new Date(start).toISOString(),
  windowEnd: new Date(start + 60_000).toISOString(),
  orderCount: 3,
  revenueCents: 4500,
  currency: 'EUR',
  averageOrderValueCents: 1500,
  topProducts: [{ productId: 'p-1', quantity: 4 }],
};
const revised: WindowResult = { ...ours, orderCount: 4, revenueCents: 6000 };

/** Polls the gateway's windows route as the local identity provider's administrator, whose token the gateway verifies against the provider's keys. */
async function windowsServedBy(windows: LatestWindows, until: (items: WindowResult[]) => boolean): Promise<WindowResult[]> {
  const { issuer, audience, groupsClaim } = localBackends().identityProvider;
  const accessTokens = createAccessTokenVerifier({ issuer, audience, groupsClaim, keys: issuerKeySet(`${issuer}/.well-known/jwks.json`) });
  const { authorization } = await signIn('admin@example.com');
  const app = buildApp({
    upstreamUrls: { users: nowhere, products: nowhere, orders: nowhere, notifications: nowhere },
    accessTokens,
    rateLimit: { max: 1000, timeWindowMs: 60_000 },
    windows,
    logger: false,
  });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await app.inject({ url: '/api/analytics/windows?limit=100', headers: { authorization } });
      expect(response.statusCode).toBe(200);
      const items = response.json().items as WindowResult[];
      if (until(items) || Date.now() > deadline) return items;
      await sleep(200);
    }
  } finally {
    await app.close();
  }
}

const ourEntries = (items: WindowResult[]) => items.filter((item) => item.windowStart === ours.windowStart);

describe('gateway analytics windows on the local Kafka', () => {
  let consumer: WindowsConsumer | undefined;
  const kafka = createKafka({ clientId: 'gateway-test', env: { ...localBackends().env, KAFKA_AUTH: 'none' }, logger });

  beforeAll(async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: ANALYTICS_RESULTS_TOPIC,
      messages: [
        { key: ours.windowStart, value: JSON.stringify(ours) },
        { key: ours.windowStart, value: '{"not":"a window"' },
        { key: ours.windowStart, value: JSON.stringify({ ...ours, orderCount: 'many' }) },
        { key: ours.windowStart, value: JSON.stringify(revised) },
      ],
    });
    await producer.disconnect();
  });
  afterAll(async () => consumer?.stop());

  it('builds its state from the topic alone, in a fresh store, serving the latest result per window and skipping records that break the contract', async () => {
    const windows = new LatestWindows();
    consumer = createWindowsConsumer(kafka, windows, logger);
    await consumer.start();
    const items = await windowsServedBy(windows, (served) => ourEntries(served)[0]?.orderCount === revised.orderCount);
    expect(ourEntries(items)).toEqual([revised]);
  });
});
