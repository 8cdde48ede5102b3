import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnalyticsJob, type AnalyticsJobHandle } from '../../runtime/local/analytics-job';
import type { Notification } from '../../runtime/shared/api/notifications';
import type { Order } from '../../runtime/shared/api/orders';
import type { WindowResult } from '../../runtime/shared/events';
import { localBackends } from '../integration/backends';
import { profileOf, signIn, type SignedIn } from '../integration/identity';
import { eventually } from '../integration/orders-support';
import { startShop, type RunningShop } from '../integration/shop';

/*
 * The shop as `npm start` runs it, driven only through the gateway: the five services as their own
 * processes (runtime/local/services.ts) on the real local backends, an SMTP sink, and the Flink
 * analytics job on a MiniCluster reading `orders` and writing `analytics-results`, which the
 * gateway serves at /api/analytics/windows.
 *
 * The job runs with 10-second windows so that one closes within the test: the watermark trails the
 * newest order by the out-of-orderness bound (1 s), and once the partitions have been quiet for the
 * idleness timeout (3 s) it follows the wall clock, so no later order is needed to close the window.
 * A result becomes visible with the checkpoint that commits it (every 2 s). The lateness of a minute
 * keeps a window open for an order that reaches the job after the wall clock closed it: the window
 * is then published again, complete, and the gateway keeps the latest.
 */

const WINDOW_MS = 10_000;
const ANALYTICS_FLAGS = { window: '10 s', 'out-of-orderness': '1 s', idleness: '3 s', lateness: '1 min', 'checkpoint-interval': '2 s' };
/** ISO 4217's code for tests: orders of the other tests (EUR, USD) land in windows of their own currency. */
const CURRENCY = 'XTS';

const { env, stateDir } = localBackends();
const runDir = join(stateDir, 'e2e-through-the-gateway');
let analytics: AnalyticsJobHandle | undefined;
let shop: RunningShop | undefined;
let shopper: SignedIn;
let admin: SignedIn;

beforeAll(async () => {
  [shopper, admin] = await Promise.all([signIn('ada@example.com'), signIn('admin@example.com')]);
  // Both take a while (the job may first resolve Flink's classpath with Maven); start them side by side.
  const started = await Promise.allSettled([
    startAnalyticsJob({ brokers: env.KAFKA_BROKERS, stateDir: join(runDir, 'analytics'), flags: ANALYTICS_FLAGS }).then((job) => (analytics = job)),
    startShop(runDir).then((running) => (shop = running)),
  ]);
  const failure = started.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
});

afterAll(async () => {
  await shop?.stop();
  await analytics?.stop();
});

/** Calls the gateway as `caller` (the shopper unless said otherwise). */
async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown, caller: SignedIn = shopper): Promise<{ status: number; body: T }> {
  const response = await fetch(`${shop!.gatewayUrl}${path}`, {
    method,
    headers: { authorization: caller.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function created<T>(path: string, body: unknown, caller: SignedIn = shopper): Promise<T> {
  const answer = await api<T>('POST', path, body, caller);
  expect(answer.status, `POST ${path}: ${JSON.stringify(answer.body)}`).toBe(201);
  return answer.body;
}

/** Waits until just after the next window boundary, so that orders placed now share one window; returns its start. */
async function nextWindowStart(): Promise<number> {
  const start = Math.ceil(Date.now() / WINDOW_MS) * WINDOW_MS;
  await sleep(start - Date.now() + 50);
  return start;
}

/** An instant as the job writes it (Java's `Instant.toString`: no milliseconds when they are zero). */
const instant = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('the shop through the gateway, on real backends and the Flink job', () => {
  it('places orders: stock reserved, orders readable, confirmations mailed and listed, and their analytics window served', async () => {
    const user = await profileOf(shop!.gatewayUrl, shopper, { email: `ada-${randomUUID()}@example.com`, name: 'Ada' });
    expect(user.id).toBe(shopper.subject);
    const teapot = await created<{ id: string }>('/api/products', { name: 'Teapot', priceCents: 2500, currency: CURRENCY, stock: 10 }, admin);
    const cup = await created<{ id: string }>('/api/products', { name: 'Cup', priceCents: 450, currency: CURRENCY, stock: 20 }, admin);

    const windowStart = await nextWindowStart();
    const placed: Order[] = [];
    for (const items of [
      [{ productId: teapot.id, quantity: 1 }, { productId: cup.id, quantity: 2 }],
      [{ productId: cup.id, quantity: 4 }],
      [{ productId: teapot.id, quantity: 2 }],
    ]) {
      placed.push(await created<Order>('/api/orders', { items }));
    }
    expect(placed.map((order) => order.totalCents)).toEqual([3400, 1800, 5000]);
    for (const order of placed) expect(order).toMatchObject({ userId: user.id, currency: CURRENCY, status: 'placed' });
    const outsideTheWindow = placed.filter((order) => Date.parse(order.createdAt) >= windowStart + WINDOW_MS);
    expect(outsideTheWindow, `orders placed after the window ${instant(windowStart)} closed (placing took too long)`).toEqual([]);

    for (const order of placed) expect(await api('GET', `/api/orders/${order.id}`)).toEqual({ status: 200, body: order });
    expect((await api<{ stock: number }>('GET', `/api/products/${teapot.id}`)).body.stock).toBe(7);
    expect((await api<{ stock: number }>('GET', `/api/products/${cup.id}`)).body.stock).toBe(14);

    for (const order of placed) {
      const [notification] = await eventually(
        async () => {
          const { body } = await api<{ items: Notification[] }>('GET', `/api/notifications?orderId=${order.id}`);
          return body.items[0]?.status === 'sent' ? body.items : undefined;
        },
        `GET /api/notifications?orderId=${order.id} to list the sent confirmation (notifications log: ${join(shop!.logsDir, 'notifications.log')})`,
        60_000,
      );
      expect(notification).toMatchObject({ orderId: order.id, channel: 'smtp', recipient: user.email, status: 'sent', subject: `Your order ${order.id} is confirmed` });
      expect(shop!.smtp.received.filter((mail) => mail.subject.includes(order.id)).map((mail) => mail.to)).toEqual([[user.email]]);
    }

    const expected: WindowResult = {
      windowStart: instant(windowStart),
      windowEnd: instant(windowStart + WINDOW_MS),
      orderCount: 3,
      revenueCents: 10_200,
      currency: CURRENCY,
      averageOrderValueCents: 3400,
      topProducts: [
        { productId: cup.id, quantity: 6 },
        { productId: teapot.id, quantity: 3 },
      ],
    };
    let served: WindowResult[] = [];
    // On a timeout the assertion below shows what the gateway served instead.
    await eventually(
      async () => {
        served = (await api<{ items: WindowResult[] }>('GET', '/api/analytics/windows?limit=100', undefined, admin)).body.items.filter((window) => window.currency === CURRENCY);
        return isDeepStrictEqual(served, [expected]) ? true : undefined;
      },
      'the window',
      90_000,
    ).catch(() => undefined);
    expect(served, `GET /api/analytics/windows within 90 s of the orders (analytics log: ${analytics!.logFile})`).toEqual([expected]);
  });
});
