import { setTimeout as sleep } from 'node:timers/promises';

export interface NotificationLatency {
  readonly samples: number;
  /** Orders whose notification was found sent within the wait. */
  readonly found: number;
  /** From receiving the 201 to the notification's own `sentAt` (same machine, same clock). */
  readonly sentAtP50Ms: number;
  readonly sentAtP99Ms: number;
}

const PLACE_EVERY_MS = 100;
// The figure is the notification's own sentAt, so finding it late costs nothing, whereas asking often
// loads the platform being measured: a poller per order every 20 ms made the p50 3 s where a single
// order's notification takes ~200 ms.
const ROUND_EVERY_MS = 200;
const GIVE_UP_AFTER_MS = 20_000;

/** Nearest-rank percentile; NaN for no samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function placeOrder(gatewayUrl: string, authorization: string, productId: string): Promise<{ orderId: string; answeredAt: number }> {
  const response = await fetch(`${gatewayUrl}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ items: [{ productId, quantity: 1 }] }),
  });
  const answeredAt = Date.now();
  const order = (await response.json()) as { id?: string };
  if (response.status !== 201 || typeof order.id !== 'string') throw new Error(`POST /api/orders answered ${response.status}: ${JSON.stringify(order)}`);
  return { orderId: order.id, answeredAt };
}

/** Epoch milliseconds of the order's sent notification, if there is one yet; asked as the shopper who placed it. */
async function sentAt(gatewayUrl: string, authorization: string, orderId: string): Promise<number | undefined> {
  const response = await fetch(`${gatewayUrl}/api/notifications?orderId=${encodeURIComponent(orderId)}`, { headers: { authorization } });
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  const { items } = (await response.json()) as { items: { status: string; sentAt: string }[] };
  const sent = items.find((item) => item.status === 'sent');
  return sent && Date.parse(sent.sentAt);
}

/**
 * Places `samples` orders one every 100 ms through the gateway, then asks for the notifications of
 * those still pending once per round, one request at a time, until all are found or 20 s have passed
 * since the last order. Nothing is asked while orders are placed, so their path runs undisturbed.
 */
export async function measureOrderToNotification(
  gatewayUrl: string,
  options: { samples: number; authorization: () => string; productId: () => string },
): Promise<NotificationLatency> {
  const answeredAtOf = new Map<string, number>();
  const placedBy = new Map<string, string>();
  for (let i = 0; i < options.samples; i++) {
    const authorization = options.authorization();
    const { orderId, answeredAt } = await placeOrder(gatewayUrl, authorization, options.productId());
    answeredAtOf.set(orderId, answeredAt);
    placedBy.set(orderId, authorization);
    await sleep(PLACE_EVERY_MS);
  }
  const giveUpAt = Date.now() + GIVE_UP_AFTER_MS;
  const sentAfterMs: number[] = [];
  for (;;) {
    for (const [orderId, answeredAt] of answeredAtOf) {
      const sent = await sentAt(gatewayUrl, placedBy.get(orderId)!, orderId);
      if (sent === undefined) continue;
      sentAfterMs.push(sent - answeredAt);
      answeredAtOf.delete(orderId);
    }
    if (answeredAtOf.size === 0 || Date.now() >= giveUpAt) break;
    await sleep(ROUND_EVERY_MS);
  }
  return { samples: options.samples, found: sentAfterMs.length, sentAtP50Ms: percentile(sentAfterMs, 50), sentAtP99Ms: percentile(sentAfterMs, 99) };
}
