import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../runtime/shared/api/notifications';
import type { Order } from '../../runtime/shared/api/orders';
import { exporterMetricNames } from '../observability/exporter-metrics';
import { allExpressions, exposedNames, parsePromQL, recordedNames } from '../observability/promql';
import { localBackends } from './backends';
import { profileOf, signIn } from './identity';
import { eventually } from './orders-support';
import { startShop, type RunningShop } from './shop';

/*
 * Every metric a dashboard or rule names, other than the listed exporter metrics and the rules' own records,
 * must be one the platform really serves: the five services run as `npm start` runs them, one order goes
 * through the gateway to its mail and one is refused for stock (some series exist only once used), then each
 * service's /metrics is scraped.
 */

let shop: RunningShop | undefined;

beforeAll(async () => {
  shop = await startShop(join(localBackends().stateDir, 'observability-metrics'));
});

afterAll(async () => {
  await shop?.stop();
});

async function send<T>(method: 'GET' | 'POST', path: string, authorization: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${shop!.gatewayUrl}${path}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

describe('metric names of the dashboards and rules on the local platform', () => {
  it('are served by the services after an order, or are listed exporter metrics', async () => {
    const [shopper, admin] = await Promise.all([signIn('grace@example.com'), signIn('admin@example.com')]);
    await profileOf(shop!.gatewayUrl, shopper, { email: `grace-${randomUUID()}@example.com`, name: 'Grace' });
    const product = await send<{ id: string }>('POST', '/api/products', admin.authorization, { name: 'Kettle', priceCents: 3900, currency: 'EUR', stock: 1 });
    expect(product.status).toBe(201);
    const placed = await send<Order>('POST', '/api/orders', shopper.authorization, { items: [{ productId: product.body.id, quantity: 1 }] });
    expect(placed.status).toBe(201);
    const refused = await send('POST', '/api/orders', shopper.authorization, { items: [{ productId: product.body.id, quantity: 1 }] });
    expect(refused.status).toBe(409);
    await eventually(async () => {
      const { body } = await send<{ items: Notification[] }>('GET', `/api/notifications?orderId=${placed.body.id}`, shopper.authorization);
      return body.items[0]?.status === 'sent' ? true : undefined;
    }, `the confirmation of order ${placed.body.id} (logs in ${shop!.logsDir})`);

    const served = new Set<string>();
    for (const service of shop!.services.services) {
      const response = await fetch(`${service.url}/metrics`);
      expect(response.status, `${service.name} /metrics`).toBe(200);
      for (const name of exposedNames(await response.text())) served.add(name);
    }

    const recorded = recordedNames();
    const unknown = allExpressions().flatMap(({ source, expr }) =>
      parsePromQL(expr)
        .metricNames.filter((name) => !served.has(name) && !exporterMetricNames.has(name) && !recorded.has(name))
        .map((name) => `${name} (${source})`),
    );
    expect([...new Set(unknown)]).toEqual([]);
  });
});
