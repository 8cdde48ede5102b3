import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationsConfig } from '../../runtime/notifications/src/config';
import { createNotificationsRuntime } from '../../runtime/notifications/src/notifications-runtime';
import { OrdersConfig } from '../../runtime/orders/src/config';
import { createOrdersRuntime } from '../../runtime/orders/src/orders-runtime';
import { buildApp as buildProductsApp } from '../../runtime/products/src/app';
import { createProductStore, createStockReservations } from '../../runtime/shared/products';
import { buildApp as buildUsersApp } from '../../runtime/users/src/app';
import { createUsersRepository } from '../../runtime/users/src/users-repository';
import { startSmtpSink, type SmtpSinkHandle } from '../../runtime/local/smtp-sink';
import type { Notification } from '../../runtime/shared/api/notifications';
import type { Order } from '../../runtime/shared/api/orders';
import { loadConfig } from '../../runtime/shared/config';
import { createDynamoClient } from '../../runtime/shared/dynamo';
import type { ServiceApp } from '../../runtime/shared/server';
import { createMysqlSqlClient, type SqlClient } from '../../runtime/shared/sql';
import { localBackends, restartKafka, stopKafka } from '../integration/backends';
import { eventually, listen } from '../integration/orders-support';
import { asAdmin, asUser } from '../runtime/shared/callers';

/*
 * The order flow across the four services, each in-process on its own port, over the real local
 * backends: users (MariaDB), products (DynamoDB API), orders (MariaDB, Kafka), notifications (Kafka,
 * MariaDB, SMTP sink). Called directly, each gets the identity headers the gateway would set.
 */

const { env } = localBackends();
const apps: ServiceApp[] = [];
let sql: SqlClient;
let dynamo: DynamoDBDocumentClient;
let smtp: SmtpSinkHandle;
const url = { users: '', products: '', orders: '', notifications: '' };

beforeAll(async () => {
  sql = createMysqlSqlClient({ url: env.MYSQL_URL });
  dynamo = createDynamoClient(env);
  smtp = await startSmtpSink();
  const table = { dynamo, tableName: env.PRODUCTS_TABLE };
  const users = buildUsersApp({ users: createUsersRepository(sql), logger: false });
  const products = buildProductsApp({ products: createProductStore(table), reservations: createStockReservations(table), logger: false });
  apps.push(users, products);
  url.users = await listen(users);
  url.products = await listen(products);
  const services = { USERS_URL: url.users, PRODUCTS_URL: url.products, LOG_LEVEL: 'error' };
  const orders = createOrdersRuntime(loadConfig(OrdersConfig, { ...env, ...services }), { relay: { pollIntervalMs: 200, maxBackoffMs: 2000 } });
  const notifications = createNotificationsRuntime(loadConfig(NotificationsConfig, { ...env, ...services, NOTIFY_CHANNEL: 'smtp', SMTP_URL: smtp.url }));
  apps.push(orders, notifications);
  url.orders = await listen(orders);
  url.notifications = await listen(notifications);
  await eventually(async () => ((await fetch(`${url.notifications}/readyz`)).status === 200 ? true : undefined), 'notifications consumer joined');
});

afterAll(async () => {
  for (const app of apps.reverse()) await app.close();
  await smtp?.stop();
  await sql?.close();
  dynamo?.destroy();
});

async function call<T>(method: string, target: string, caller: Record<string, string>, body?: unknown): Promise<{ status: number; body: T }> {
  const headers = { ...caller, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const response = await fetch(target, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as T };
}

/** The profile of a new account, as its holder creates it. */
const createUser = async (name: string) =>
  (await call<{ id: string; email: string }>('POST', `${url.users}/users`, asUser(randomUUID()), { email: `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`, name })).body;
const createProduct = async (priceCents: number, stock: number) =>
  (await call<{ id: string }>('POST', `${url.products}/products`, asAdmin(), { name: 'Green tea', priceCents, currency: 'EUR', stock })).body.id;
const stockOf = async (productId: string) => (await call<{ stock: number }>('GET', `${url.products}/products/${productId}`, {})).body.stock;
const placeOrder = <T>(userId: string, items: { productId: string; quantity: number }[]) => call<T>('POST', `${url.orders}/orders`, asUser(userId), { items });
const mailsFor = (orderId: string) => smtp.received.filter((mail) => mail.subject.includes(orderId));
const sentNotifications = async (orderId: string, userId: string) =>
  (await call<{ items: Notification[] }>('GET', `${url.notifications}/notifications?orderId=${orderId}`, asUser(userId))).body.items.filter((n) => n.status === 'sent');

describe('order flow: users, products, orders, notifications', () => {
  it('places an order, reserves its stock, and mails and records the confirmation', async () => {
    const user = await createUser('ada');
    const tea = await createProduct(450, 10);
    const placed = await placeOrder<Order>(user.id, [{ productId: tea, quantity: 3 }]);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ userId: user.id, items: [{ productId: tea, quantity: 3, unitPriceCents: 450 }], totalCents: 1350, currency: 'EUR', status: 'placed' });
    expect(await stockOf(tea)).toBe(7);

    const [mail] = await eventually(async () => (mailsFor(placed.body.id).length ? mailsFor(placed.body.id) : undefined), 'the confirmation mail');
    expect(mail!.to).toEqual([user.email]);
    const [notification] = await eventually(
      async () => ((await sentNotifications(placed.body.id, user.id)).length ? sentNotifications(placed.body.id, user.id) : undefined),
      'the recorded notification',
    );
    expect(notification).toMatchObject({ orderId: placed.body.id, recipient: user.email, channel: 'smtp' });
  });

  it('refuses an order beyond the stock (409) and one for an unknown product or user (404), reserving nothing', async () => {
    const user = await createUser('bob');
    const tea = await createProduct(450, 2);
    const tooMany = await placeOrder<{ error: { code: string } }>(user.id, [{ productId: tea, quantity: 3 }]);
    expect(tooMany).toMatchObject({ status: 409, body: { error: { code: 'INSUFFICIENT_STOCK' } } });
    const unknownProduct = await placeOrder<{ error: { code: string } }>(user.id, [
      { productId: tea, quantity: 1 },
      { productId: '00000000-0000-4000-8000-000000000000', quantity: 1 },
    ]);
    expect(unknownProduct).toMatchObject({ status: 404, body: { error: { code: 'PRODUCT_NOT_FOUND' } } });
    // An account without a profile.
    const unknownUser = await placeOrder<{ error: { code: string } }>('00000000-0000-4000-8000-000000000000', [{ productId: tea, quantity: 1 }]);
    expect(unknownUser).toMatchObject({ status: 404, body: { error: { code: 'USER_NOT_FOUND' } } });
    expect(await stockOf(tea)).toBe(2);
  });

  it('accepts orders while Kafka is down; their confirmations arrive after it returns', async () => {
    const user = await createUser('carol');
    const tea = await createProduct(300, 10);
    const placed: Order[] = [];
    await stopKafka();
    try {
      for (let i = 1; i <= 2; i++) {
        const answer = await placeOrder<Order>(user.id, [{ productId: tea, quantity: i }]);
        expect(answer.status).toBe(201);
        placed.push(answer.body);
      }
      expect((await fetch(`${url.orders}/readyz`)).status).toBe(200);
      expect(placed.flatMap((order) => mailsFor(order.id))).toEqual([]);
    } finally {
      await restartKafka();
    }
    for (const order of placed) {
      await eventually(async () => ((await sentNotifications(order.id, user.id)).length === 1 ? true : undefined), `the notification of order ${order.id}`, 150_000);
      expect(mailsFor(order.id)).toHaveLength(1);
    }
  });
});
