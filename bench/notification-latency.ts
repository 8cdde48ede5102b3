import { setTimeout as sleep } from 'node:timers/promises';

export interface NotificationLatency {
  readonly samples: number;
  /** Orders whose notification appeared within the wait. */
  readonly found: number;
  /** From receiving the 201 to the notification's own `sentAt` (same machine, same clock). */
  readonly sentAtP50Ms: number;
  readonly sentAtP99Ms: number;
  /** From receiving the 201 to the notification being listed by the API (includes the polling interval). */
  readonly visibleP50Ms: number;
  readonly visibleP99Ms: number;
}

const POLL_INTERVAL_MS = 20;
const GIVE_UP_AFTER_MS = 20_000;

/** Nearest-rank percentile; NaN for no samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function placeOrder(gatewayUrl: string, userId: string, productId: string): Promise<{ orderId: string; answeredAt: number }> {
  const response = await fetch(`${gatewayUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, items: [{ productId, quantity: 1 }] }),
  });
  const answeredAt = Date.now();
  const order = (await response.json()) as { id?: string };
  if (response.status !== 201 || typeof order.id !== 'string') throw new Error(`POST /api/orders answered ${response.status}: ${JSON.stringify(order)}`);
  return { orderId: order.id, answeredAt };
}

async function waitForNotification(gatewayUrl: string, orderId: string, answeredAt: number): Promise<{ sentAfterMs: number; visibleAfterMs: number } | undefined> {
  while (Date.now() - answeredAt < GIVE_UP_AFTER_MS) {
    const response = await fetch(`${gatewayUrl}/api/notifications?orderId=${encodeURIComponent(orderId)}`);
    if (response.ok) {
      const { items } = (await response.json()) as { items: { status: string; sentAt: string }[] };
      const sent = items.find((item) => item.status === 'sent');
      if (sent) return { sentAfterMs: Date.parse(sent.sentAt) - answeredAt, visibleAfterMs: Date.now() - answeredAt };
    } else {
      await response.body?.cancel();
    }
    await sleep(POLL_INTERVAL_MS);
  }
  return undefined;
}

/** Places `samples` orders one every 100 ms through the gateway and follows each to its notification. */
export async function measureOrderToNotification(
  gatewayUrl: string,
  options: { samples: number; userId: () => string; productId: () => string },
): Promise<NotificationLatency> {
  const followed: Promise<Awaited<ReturnType<typeof waitForNotification>>>[] = [];
  for (let i = 0; i < options.samples; i++) {
    const { orderId, answeredAt } = await placeOrder(gatewayUrl, options.userId(), options.productId());
    followed.push(waitForNotification(gatewayUrl, orderId, answeredAt));
    await sleep(100);
  }
  const results = (await Promise.all(followed)).filter((result) => result !== undefined);
  const sent = results.map((result) => result.sentAfterMs);
  const visible = results.map((result) => result.visibleAfterMs);
  return {
    samples: options.samples,
    found: results.length,
    sentAtP50Ms: percentile(sent, 50),
    sentAtP99Ms: percentile(sent, 99),
    visibleP50Ms: percentile(visible, 50),
    visibleP99Ms: percentile(visible, 99),
  };
}
