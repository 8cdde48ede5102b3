import { randomUUID } from 'node:crypto';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdersConfig } from '../../runtime/orders/src/config';
import { createOrdersRuntime } from '../../runtime/orders/src/orders-runtime';
import type { Order } from '../../runtime/shared/api/orders';
import { loadConfig } from '../../runtime/shared/config';
import { OrderEvent } from '../../runtime/shared/events';
import type { ServiceApp } from '../../runtime/shared/server';
import { createMysqlSqlClient, type SqlClient } from '../../runtime/shared/sql';
import { localBackends, restartKafka, stopKafka } from './backends';
import { asUser } from '../runtime/shared/callers';
import { eventually, header, listen, readTopic, startStubService, type StubService, type TopicReader } from './orders-support';

const { env } = localBackends();
const isOrderEvent = TypeCompiler.Compile(OrderEvent);

const ADA = randomUUID();
const DOOMED = randomUUID(); // orders of this user hit an injected database failure
const PRICES: Record<string, number> = { 'it-apple': 120, 'it-pear': 95 };

/** Reservations as the products service keeps them: idempotent per id, released by DELETE. */
const reservations = new Map<string, { items: { productId: string; quantity: number }[]; released: boolean }>();

let users: StubService;
let products: StubService;
let app: ServiceApp;
let ordersUrl: string;
let sql: SqlClient;
let reader: TopicReader;

beforeAll(async () => {
  users = await startStubService((request) => {
    if (request.headers['x-caller-service'] !== 'orders') return [403, { error: { code: 'FORBIDDEN', message: 'internal calls name their service' } }];
    const id = request.url!.split('/').pop()!;
    return ([ADA, DOOMED] as string[]).includes(id) ? [200, { id, email: 'ada@example.com', name: 'Ada', createdAt: 'x', updatedAt: 'x' }] : [404, { error: { code: 'USER_NOT_FOUND', message: 'no' } }];
  });
  products = await startStubService((request, body) => {
    if (request.headers['x-caller-service'] !== 'orders') return [403, { error: { code: 'FORBIDDEN', message: 'reservations are the orders service’s' } }];
    if (request.method === 'DELETE') {
      const reservation = reservations.get(decodeURIComponent(request.url!.split('/').pop()!));
      if (!reservation) return [404, { error: { code: 'RESERVATION_NOT_FOUND', message: 'no' } }];
      reservation.released = true;
      return [204];
    }
    const { reservationId, items } = body as { reservationId: string; items: { productId: string; quantity: number }[] };
    const unknown = items.find((item) => !(item.productId in PRICES));
    if (unknown) return [404, { error: { code: 'PRODUCT_NOT_FOUND', message: `product ${unknown.productId} does not exist` } }];
    if (!reservations.has(reservationId)) reservations.set(reservationId, { items, released: false });
    return [201, { reservationId, currency: 'EUR', items: items.map((item) => ({ ...item, unitPriceCents: PRICES[item.productId] })) }];
  });
  const config = loadConfig(OrdersConfig, { ...env, USERS_URL: users.url, PRODUCTS_URL: products.url, LOG_LEVEL: 'error' });
  app = createOrdersRuntime(config, { relay: { pollIntervalMs: 200, maxBackoffMs: 2000 } });
  ordersUrl = await listen(app);
  sql = createMysqlSqlClient({ url: env.MYSQL_URL });
  reader = await readTopic('orders');
});

afterAll(async () => {
  await app?.close();
  await reader?.stop();
  await sql?.close();
  await users?.close();
  await products?.close();
});

/** Places `items` as the shopper `userId`, whose identity arrives in the gateway's headers. */
const placeOrder = async ({ userId, ...body }: ReturnType<typeof anOrder>, idempotencyKey?: string) => {
  const response = await fetch(`${ordersUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...asUser(userId), ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
};
const anOrder = (userId = ADA, quantity = 2) => ({ userId, items: [{ productId: 'it-apple', quantity }, { productId: 'it-pear', quantity: 1 }] });
const count = async (statement: string, params: Record<string, string>) => Number((await sql.query<{ n: number }>(statement, params))[0]!.n);
const activeReservations = (ids: readonly string[]) => ids.filter((id) => reservations.has(id) && !reservations.get(id)!.released);

describe('orders against MariaDB and Kafka', () => {
  it('stores a placed order and publishes its OrderPlaced event to Kafka through the outbox', async () => {
    const placed = await placeOrder(anOrder());
    expect(placed.status).toBe(201);
    const order = JSON.parse(placed.text) as Order;
    expect(order).toMatchObject({ userId: ADA, totalCents: 335, currency: 'EUR', status: 'placed' });

    const fetched = await fetch(`${ordersUrl}/orders/${order.id}`, { headers: asUser(ADA) });
    expect(await fetched.json()).toEqual(order);

    const [message] = await reader.waitForKey(order.id);
    const event: unknown = JSON.parse(message!.value!.toString());
    expect(isOrderEvent.Check(event)).toBe(true);
    expect(event).toMatchObject({ type: 'OrderPlaced', occurredAt: order.createdAt, payload: { orderId: order.id, userId: ADA, items: order.items, totalCents: 335, currency: 'EUR' } });
    expect(header(message!, 'event-type')).toBe('OrderPlaced');
    expect(header(message!, 'event-id')).toBe((event as OrderEvent).eventId);
    await eventually(async () => ((await count('SELECT COUNT(*) AS n FROM outbox WHERE message_key = :id AND published_at IS NOT NULL', { id: order.id })) === 1 ? true : undefined), 'the outbox row marked published');
  });

  it('lists a user’s orders newest first in pages', async () => {
    const user = ADA;
    const headers = asUser(user);
    const before = JSON.parse(await (await fetch(`${ordersUrl}/orders?userId=${user}&limit=100`, { headers })).text()) as { items: Order[] };
    const placed = [];
    for (let i = 0; i < 3; i++) placed.push(JSON.parse((await placeOrder(anOrder(user, i + 1))).text) as Order);
    const first = (await (await fetch(`${ordersUrl}/orders?userId=${user}&limit=2`, { headers })).json()) as { items: Order[]; nextCursor: string };
    expect(first.items.map((o) => o.id)).toEqual([placed[2]!.id, placed[1]!.id]);
    const second = (await (await fetch(`${ordersUrl}/orders?userId=${user}&limit=2&cursor=${first.nextCursor}`, { headers })).json()) as { items: Order[] };
    expect(second.items[0]!.id).toBe(placed[0]!.id);
    expect(second.items).toHaveLength(Math.min(2, before.items.length + 1));
    const forged = await fetch(`${ordersUrl}/orders?limit=2&cursor=bm9wZQ`, { headers });
    expect(forged.status).toBe(400);
  });

  it('answers a sequential retry with the same Idempotency-Key with the first result, creating nothing new', async () => {
    const key = `retry-${randomUUID()}`;
    const first = await placeOrder(anOrder(), key);
    const retry = await placeOrder(anOrder(), key);
    expect(first.status).toBe(201);
    expect(retry).toEqual(first);
    const { id } = JSON.parse(first.text) as Order;
    expect(await count('SELECT COUNT(*) AS n FROM idempotency_keys WHERE idempotency_key = :key', { key })).toBe(1);
    expect(await count('SELECT COUNT(*) AS n FROM orders o JOIN idempotency_keys k ON k.order_id = o.id WHERE k.idempotency_key = :key', { key })).toBe(1);
    expect(activeReservations([...reservations.keys()].filter((rid) => rid === id))).toEqual([id]);

    const reused = await placeOrder(anOrder(ADA, 7), key);
    expect(reused.status).toBe(422);
    expect(JSON.parse(reused.text).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('creates one order when concurrent requests race with the same Idempotency-Key; losers release their reservations', async () => {
    const key = `race-${randomUUID()}`;
    const known = new Set(reservations.keys());
    const answers = await Promise.all(Array.from({ length: 8 }, () => placeOrder(anOrder(), key)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const { id } = JSON.parse(answers[0]!.text) as Order;
    const made = [...reservations.keys()].filter((rid) => !known.has(rid));
    expect(activeReservations(made)).toEqual([id]);
    expect(await count('SELECT COUNT(*) AS n FROM orders WHERE id IN (SELECT order_id FROM idempotency_keys WHERE idempotency_key = :key)', { key })).toBe(1);
    const losers = made.filter((rid) => rid !== id);
    for (const loser of losers) expect(await count('SELECT COUNT(*) AS n FROM orders WHERE id = :id', { id: loser })).toBe(0);
    expect(await reader.waitForKey(id)).toHaveLength(1);
  });

  it('releases the reservation and answers 503 when the order transaction fails, leaving no part of the order', async () => {
    // A real failure inside the transaction, after the order and its items were inserted.
    await sql.execute('DROP TRIGGER IF EXISTS fail_outbox_for_test');
    await sql.execute(
      `CREATE TRIGGER fail_outbox_for_test BEFORE INSERT ON outbox FOR EACH ROW
       IF NEW.payload LIKE '%${DOOMED}%' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF`,
    );
    try {
      const known = new Set(reservations.keys());
      const answer = await placeOrder(anOrder(DOOMED), `doomed-${randomUUID()}`);
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.text).error).toEqual({ code: 'DEPENDENCY_UNAVAILABLE', message: 'orders database is unavailable, retry later' });
      const made = [...reservations.keys()].filter((rid) => !known.has(rid));
      expect(made).toHaveLength(1);
      expect(reservations.get(made[0]!)!.released).toBe(true);
      expect(await count('SELECT COUNT(*) AS n FROM orders WHERE user_id = :user', { user: DOOMED })).toBe(0);
      expect(await count('SELECT COUNT(*) AS n FROM order_items WHERE order_id = :id', { id: made[0]! })).toBe(0);
      expect(await count('SELECT COUNT(*) AS n FROM idempotency_keys WHERE order_id = :id', { id: made[0]! })).toBe(0);
    } finally {
      await sql.execute('DROP TRIGGER IF EXISTS fail_outbox_for_test');
    }
  });

  it('keeps accepting orders while Kafka is down and publishes their events once it is back', async () => {
    const metric = async (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(await (await fetch(`${ordersUrl}/metrics`)).text())?.[1]);
    await stopKafka();
    const placed: Order[] = [];
    try {
      let firstAcceptedAt = 0;
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const answer = await placeOrder(anOrder());
        expect(answer.status).toBe(201);
        expect(Date.now() - started).toBeLessThan(2000);
        firstAcceptedAt ||= Date.now();
        placed.push(JSON.parse(answer.text) as Order);
      }
      expect((await fetch(`${ordersUrl}/readyz`)).status).toBe(200);
      expect(await metric('outbox_backlog_events')).toBeGreaterThanOrEqual(3);
      // The oldest unpublished event is at least as old as the first order of the outage.
      const pendingAtLeastSeconds = (Date.now() - firstAcceptedAt) / 1000;
      expect(await metric('outbox_oldest_event_age_seconds')).toBeGreaterThanOrEqual(pendingAtLeastSeconds);
    } finally {
      await restartKafka();
    }
    for (const order of placed) expect(await reader.waitForKey(order.id, 1, 120_000)).toHaveLength(1);
    await eventually(async () => ((await metric('outbox_backlog_events')) === 0 ? true : undefined), 'an empty outbox');
  });
});
