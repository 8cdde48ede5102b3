import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTraceTree, formatTraceTree, parseSpanLines, REQUEST_ID_ATTRIBUTE, type SpanKindName, type TraceSpan } from '../../runtime/local/trace-tree';
import type { Notification } from '../../runtime/shared/api/notifications';
import type { Order } from '../../runtime/shared/api/orders';
import { localBackends } from '../integration/backends';
import { profileOf, signIn, type SignedIn } from '../integration/identity';
import { eventually } from '../integration/orders-support';
import { startShop, type RunningShop } from '../integration/shop';

/*
 * One order through the gateway is one trace: the five services run as `npm start` runs them, export
 * their spans over OTLP to the real OpenTelemetry Collector of the global setup, and this test reads
 * what the collector wrote to its file. The trace must hold, each in its place:
 *   gateway SERVER (with the request id) > gateway CLIENT > orders SERVER
 *     orders SERVER > orders CLIENT > users SERVER, and > orders CLIENT > products SERVER
 *     orders SERVER >> orders PRODUCER `orders publish` (the outbox relay, from the context stored with the row)
 *       > notifications CONSUMER `orders process` (child of, or linked to, the PRODUCER span)
 *         >> notifications `notification send` through SMTP
 * (`>` parent of, `>>` ancestor of).
 */

const { stateDir, otelCollector } = localBackends();
let shop: RunningShop | undefined;
let shopper: SignedIn;
let admin: SignedIn;

beforeAll(async () => {
  [shopper, admin] = await Promise.all([signIn('grace@example.com'), signIn('admin@example.com')]);
  shop = await startShop(join(stateDir, 'e2e-order-trace'));
});

afterAll(async () => {
  await shop?.stop();
});

async function post<T>(path: string, body: unknown, caller: SignedIn): Promise<{ body: T; requestId: string }> {
  const response = await fetch(`${shop!.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { authorization: caller.authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as T;
  expect(response.status, `POST ${path}: ${JSON.stringify(answer)}`).toBe(201);
  return { body: answer, requestId: response.headers.get('x-request-id')! };
}

/** The one span of the list that `matches`, failing with the trace's tree when there is none or several. */
function only(spans: readonly TraceSpan[], description: string, tree: string, matches: (span: TraceSpan) => boolean): TraceSpan {
  const found = spans.filter(matches);
  expect(found, `exactly one ${description} in\n${tree}`).toHaveLength(1);
  return found[0]!;
}

describe('tracing an order through the local platform', () => {
  it('records one trace from the gateway through orders, users, products, the outbox and Kafka to the mail', async () => {
    await profileOf(shop!.gatewayUrl, shopper, { email: `grace-${randomUUID()}@example.com`, name: 'Grace' });
    const { body: product } = await post<{ id: string }>('/api/products', { name: 'Kettle', priceCents: 3900, currency: 'EUR', stock: 5 }, admin);
    const { body: order, requestId } = await post<Order>('/api/orders', { items: [{ productId: product.id, quantity: 1 }] }, shopper);
    expect(requestId).toBeTruthy();
    await eventually(
      async () => {
        const response = await fetch(`${shop!.gatewayUrl}/api/notifications?orderId=${order.id}`, { headers: { authorization: shopper.authorization } });
        const { items } = (await response.json()) as { items: Notification[] };
        return items.some((notification) => notification.status === 'sent') ? true : undefined;
      },
      `the confirmation of order ${order.id} to be sent (notifications log: ${join(shop!.logsDir, 'notifications.log')})`,
    );

    // Services send their spans in batches every few seconds: read the file until the last one, the mail's, is in.
    const isMailSend = (span: TraceSpan) => span.service === 'notifications' && span.name === 'notification send' && span.attributes['shop.order_id'] === order.id;
    const spans = await eventually(
      async () => {
        const all = parseSpanLines(await readFile(otelCollector.tracesFile, 'utf8'));
        return all.some(isMailSend) && all.some((span) => span.attributes[REQUEST_ID_ATTRIBUTE] === requestId && span.service === 'gateway') ? all : undefined;
      },
      `the spans of order ${order.id} in ${otelCollector.tracesFile}`,
      30_000,
    );

    const request = spans.find((span) => span.service === 'gateway' && span.kind === 'SERVER' && span.attributes[REQUEST_ID_ATTRIBUTE] === requestId)!;
    expect(request, "the gateway's SERVER span with the request id").toBeDefined();
    const tree = formatTraceTree(buildTraceTree(spans, request.traceId));
    const trace = spans.filter((span) => span.traceId === request.traceId);
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const parentOf = (span: TraceSpan) => (span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId));
    const descendsFrom = (span: TraceSpan, ancestor: TraceSpan): boolean => {
      for (let above = parentOf(span); above !== undefined; above = parentOf(above)) if (above === ancestor) return true;
      return false;
    };
    /** The SERVER span of `service` called by a CLIENT span of `caller`'s SERVER span. */
    const calledBy = (caller: TraceSpan, service: string, kind: SpanKindName = 'SERVER') =>
      only(trace, `${service} ${kind} span called from ${caller.service} "${caller.name}"`, tree, (span) => {
        const call = parentOf(span);
        return span.service === service && span.kind === kind && call?.service === caller.service && call.kind === 'CLIENT' && descendsFrom(call, caller);
      });

    expect(request.parentSpanId, `the gateway's span starts the trace\n${tree}`).toBeUndefined();
    const orders = calledBy(request, 'orders');
    expect(orders.name).toBe('POST /orders');
    const users = calledBy(orders, 'users');
    expect(users.name).toBe('GET /users/:id');
    const products = calledBy(orders, 'products');
    expect(products.name).toBe('POST /products/reservations');

    const publish = only(trace, 'outbox PRODUCER span', tree, (span) => span.service === 'orders' && span.kind === 'PRODUCER' && span.attributes['messaging.kafka.message.key'] === order.id);
    expect(publish.name).toBe('orders publish');
    expect(descendsFrom(publish, orders), `the outbox publish continues the request that placed the order\n${tree}`).toBe(true);

    const consume = only(trace, 'notifications CONSUMER span', tree, (span) => span.service === 'notifications' && span.kind === 'CONSUMER' && span.attributes['messaging.kafka.message.key'] === order.id);
    expect(consume.name).toBe('orders process');
    const childOfPublish = consume.parentSpanId === publish.spanId;
    const linkedToPublish = consume.links.some((link) => link.traceId === publish.traceId && link.spanId === publish.spanId);
    expect(childOfPublish || linkedToPublish, `the consumer's span is a child of, or linked to, the outbox's PRODUCER span\n${tree}`).toBe(true);

    const send = only(trace, 'mail send span', tree, isMailSend);
    expect(send.attributes['shop.notification.channel']).toBe('smtp');
    expect(descendsFrom(send, consume), `the mail is sent within the consumer's span\n${tree}`).toBe(true);

    // One trace: nothing of this request or this order went to another.
    const elsewhere = spans.filter(
      (span) =>
        span.traceId !== request.traceId &&
        (span.attributes[REQUEST_ID_ATTRIBUTE] === requestId || span.attributes['shop.order_id'] === order.id || span.attributes['messaging.kafka.message.key'] === order.id),
    );
    expect(elsewhere.map((span) => `${span.service} ${span.name} ${span.kind} in trace ${span.traceId}`)).toEqual([]);
    for (const span of [request, orders, users, products, publish, consume, send]) expect(span.error, `${span.service} "${span.name}" failed\n${tree}`).toBeUndefined();
  });
});
