import { randomUUID } from 'node:crypto';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Order } from '../../../runtime/shared/api/orders';
import { ConflictError, DependencyUnavailableError, DomainError, NotFoundError } from '../../../runtime/shared/errors';
import { OrderPlaced } from '../../../runtime/shared/events';
import type { ServiceApp } from '../../../runtime/shared/server';
import { DuplicateKeyError, SqlUnavailableError } from '../../../runtime/shared/sql';
import { buildApp } from '../../../runtime/orders/src/app';
import type { StockRequest } from '../../../runtime/orders/src/clients/products-client';
import { createOrderService } from '../../../runtime/orders/src/order-service';
import type { NewOrder, OrderStore } from '../../../runtime/orders/src/order-store';
import { asAdmin, asService, asUser } from '../shared/callers';

const USER = '6f1c2a4e-8d3b-4f5a-9c7e-1a2b3c4d5e6f';
const PRICES: Record<string, number> = { 'sku-apple': 120, 'sku-pear': 95 };

/** The store's contract in memory: all-or-nothing inserts and a unique idempotency key. */
function memoryStore() {
  const orders = new Map<string, Order>();
  const keys = new Map<string, { requestHash: string; orderId: string }>();
  const placed: NewOrder[] = [];
  const store = {
    failNextInsert: undefined as Error | undefined,
    placed,
    async insertPlacedOrder(newOrder: NewOrder) {
      const failure = store.failNextInsert;
      store.failNextInsert = undefined;
      if (failure) throw failure;
      if (newOrder.idempotency && keys.has(newOrder.idempotency.key)) throw new DuplicateKeyError('PRIMARY', 'Duplicate entry');
      if (newOrder.idempotency) keys.set(newOrder.idempotency.key, { requestHash: newOrder.idempotency.requestHash, orderId: newOrder.order.id });
      orders.set(newOrder.order.id, newOrder.order);
      placed.push(newOrder);
    },
    async findIdempotencyKey(key: string) {
      return keys.get(key);
    },
    async findOrder(id: string) {
      return orders.get(id);
    },
    async listOrders(query: { userId?: string }) {
      return { items: [...orders.values()].filter((order) => query.userId === undefined || order.userId === query.userId), nextCursor: null };
    },
  };
  return store;
}

function fakes() {
  const reserved = new Map<string, readonly StockRequest[]>();
  const released: string[] = [];
  const users = {
    getUser: vi.fn(async (id: string) => {
      if (id !== USER) throw new NotFoundError('user', id);
      return { id, email: 'ada@example.com', name: 'Ada' };
    }),
  };
  const products = {
    reserveStock: vi.fn(async (reservationId: string, items: readonly StockRequest[]) => {
      for (const item of items) {
        if (!(item.productId in PRICES)) throw new DomainError(404, 'PRODUCT_NOT_FOUND', `product ${item.productId} does not exist`);
        if (item.quantity > 50) throw new ConflictError('INSUFFICIENT_STOCK', `only 50 of ${item.productId} left`);
      }
      reserved.set(reservationId, items);
      return { reservationId, currency: 'EUR', items: items.map((item) => ({ ...item, unitPriceCents: PRICES[item.productId]! })) };
    }),
    releaseStock: vi.fn(async (reservationId: string) => {
      released.push(reservationId);
      reserved.delete(reservationId);
    }),
  };
  return { users, products, reserved, released };
}

let app: ServiceApp | undefined;
afterEach(async () => app?.close());

function setup(options: { releaseRetryDelaysMs?: readonly number[]; now?: () => Date } = {}) {
  const store = memoryStore();
  const deps = fakes();
  const onOrderPlaced = vi.fn();
  const log = { error: vi.fn(), warn: vi.fn() };
  const orderService = createOrderService({ users: deps.users, products: deps.products, store: store as unknown as OrderStore, onOrderPlaced, log, ...options });
  app = buildApp({ orderService, readiness: {}, logger: false });
  return { app, store, onOrderPlaced, log, orderService, ...deps };
}

const order = (items: unknown = [{ productId: 'sku-apple', quantity: 2 }, { productId: 'sku-pear', quantity: 1 }]) => ({ items });
/** Places `payload` as the shopper `subject` (the gateway's identity headers). */
const post = (target: ServiceApp, payload: unknown, headers: Record<string, string> = {}, subject = USER) =>
  target.inject({ method: 'POST', url: '/orders', payload: payload as object, headers: { ...asUser(subject), ...headers } });
const get = (target: ServiceApp, url: string, headers: Record<string, string> = asUser(USER)) => target.inject({ method: 'GET', url, headers });

function expectErrorShape(body: unknown, code: string) {
  expect(body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(Object.keys((body as { error: object }).error).every((key) => ['code', 'message', 'details'].includes(key))).toBe(true);
}

describe('POST /orders', () => {
  it('places an order: 201 with priced lines, total and currency; stores the order with a contract-valid OrderPlaced event', async () => {
    const placedAt = '2026-03-01T09:30:00.250Z';
    const { app, store, onOrderPlaced, reserved } = setup({ now: () => new Date(placedAt) });
    const response = await post(app, order());
    expect(response.statusCode).toBe(201);
    const body = response.json<Order>();
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: USER,
      items: [
        { productId: 'sku-apple', quantity: 2, unitPriceCents: 120 },
        { productId: 'sku-pear', quantity: 1, unitPriceCents: 95 },
      ],
      totalCents: 335,
      currency: 'EUR',
      status: 'placed',
      createdAt: placedAt,
    });
    expect(reserved.has(body.id)).toBe(true);
    expect(store.placed).toHaveLength(1);
    const [placed] = store.placed;
    expect(placed!.reservationId).toBe(body.id);
    expect(placed!.topic).toBe('orders');
    expect(placed!.messageKey).toBe(body.id);
    expect(TypeCompiler.Compile(OrderPlaced).Check(placed!.event)).toBe(true);
    expect(placed!.event.payload).toEqual({ orderId: body.id, userId: USER, items: body.items, totalCents: 335, currency: 'EUR' });
    expect(placed!.event.occurredAt).toBe(placedAt);
    expect(onOrderPlaced).toHaveBeenCalledTimes(1);
  });

  const tooMany = Array.from({ length: 101 }, (_, i) => ({ productId: `sku-${i}`, quantity: 1 }));
  it.each([
    ['a userId (the user is the caller)', { ...order(), userId: USER }, 'userId'],
    ['missing items', {}, 'body.items'],
    ['a quantity of the wrong type', order([{ productId: 'sku-apple', quantity: 'two' }]), 'body.items.0.quantity'],
    ['a fractional quantity', order([{ productId: 'sku-apple', quantity: 1.5 }]), 'body.items.0.quantity'],
    ['a negative quantity', order([{ productId: 'sku-apple', quantity: -1 }]), 'body.items.0.quantity'],
    ['a zero quantity', order([{ productId: 'sku-apple', quantity: 0 }]), 'body.items.0.quantity'],
    ['a huge quantity', order([{ productId: 'sku-apple', quantity: 1_000_000 }]), 'body.items.0.quantity'],
    ['no items', order([]), 'body.items'],
    ['too many items', order(tooMany), 'body.items'],
    ['an empty productId', order([{ productId: '', quantity: 1 }]), 'body.items.0.productId'],
    ['an unknown field', { ...order(), coupon: 'FREE' }, 'coupon'],
    ['an unknown item field', order([{ productId: 'sku-apple', quantity: 1, unitPriceCents: 1 }]), 'unitPriceCents'],
    ['the same product twice', order([{ productId: 'sku-apple', quantity: 1 }, { productId: 'sku-apple', quantity: 2 }]), 'body.items[1]'],
  ])('rejects %s with 400 naming the field, and reserves and stores nothing', async (_case, payload, field) => {
    const { app, store, products, users } = setup();
    const response = await post(app, payload);
    expect(response.statusCode).toBe(400);
    expectErrorShape(response.json(), 'VALIDATION_FAILED');
    expect(response.json().error.message).toContain(field);
    expect(products.reserveStock).not.toHaveBeenCalled();
    expect(users.getUser).not.toHaveBeenCalled();
    expect(store.placed).toHaveLength(0);
  });

  it('rejects malformed JSON, a non-JSON body and an oversized body in the error shape', async () => {
    const { app, store } = setup();
    const malformed = await app.inject({ method: 'POST', url: '/orders', headers: { 'content-type': 'application/json', ...asUser(USER) }, payload: '{"items":' });
    expect(malformed.statusCode).toBe(400);
    expectErrorShape(malformed.json(), 'MALFORMED_JSON');
    const text = await app.inject({ method: 'POST', url: '/orders', headers: { 'content-type': 'text/plain', ...asUser(USER) }, payload: 'two apples' });
    expect(text.statusCode).toBe(415);
    expectErrorShape(text.json(), 'UNSUPPORTED_MEDIA_TYPE');
    const huge = await post(app, order([{ productId: 'x'.repeat(40 * 1024), quantity: 1 }]));
    expect(huge.statusCode).toBe(413);
    expectErrorShape(huge.json(), 'PAYLOAD_TOO_LARGE');
    expect(store.placed).toHaveLength(0);
  });

  it.each([
    ['longer than 255 characters', 'k'.repeat(256)],
    ['containing a space', 'my key'],
  ])('rejects an Idempotency-Key %s with 400', async (_case, key) => {
    const { app, store } = setup();
    const response = await post(app, order(), { 'idempotency-key': key });
    expect(response.statusCode).toBe(400);
    expectErrorShape(response.json(), 'VALIDATION_FAILED');
    expect(response.json().error.message).toContain('idempotency-key');
    expect(store.placed).toHaveLength(0);
  });

  it('answers 404 USER_NOT_FOUND to a caller without a profile, without reserving stock', async () => {
    const { app, products, store } = setup();
    const response = await post(app, order(), {}, randomUUID());
    expect(response.statusCode).toBe(404);
    expectErrorShape(response.json(), 'USER_NOT_FOUND');
    expect(products.reserveStock).not.toHaveBeenCalled();
    expect(store.placed).toHaveLength(0);
  });

  it('answers 404 PRODUCT_NOT_FOUND and 409 INSUFFICIENT_STOCK from the reservation, storing nothing', async () => {
    const { app, store } = setup();
    const unknown = await post(app, order([{ productId: 'sku-nope', quantity: 1 }]));
    expect(unknown.statusCode).toBe(404);
    expectErrorShape(unknown.json(), 'PRODUCT_NOT_FOUND');
    const short = await post(app, order([{ productId: 'sku-apple', quantity: 51 }]));
    expect(short.statusCode).toBe(409);
    expectErrorShape(short.json(), 'INSUFFICIENT_STOCK');
    expect(store.placed).toHaveLength(0);
  });

  it('counts placed orders and reservation failures by reason on /metrics; replays and refusals before the reservation count nothing', async () => {
    const { app, products } = setup();
    await post(app, order(), { 'idempotency-key': 'k-1' });
    await post(app, order(), { 'idempotency-key': 'k-1' });
    await post(app, order([{ productId: 'sku-nope', quantity: 1 }]));
    await post(app, order([{ productId: 'sku-apple', quantity: 51 }]));
    await post(app, order([{ productId: 'sku-apple', quantity: 1 }, { productId: 'sku-apple', quantity: 1 }]));
    products.reserveStock.mockRejectedValueOnce(new DependencyUnavailableError('products'));
    await post(app, order());
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('orders_placed_total{service="orders"} 1\n');
    expect(metrics).toContain('orders_stock_reservation_failures_total{reason="unknown_product",service="orders"} 1\n');
    expect(metrics).toContain('orders_stock_reservation_failures_total{reason="insufficient_stock",service="orders"} 1\n');
    expect(metrics).toContain('orders_stock_reservation_failures_total{reason="unavailable",service="orders"} 1\n');
  });

  it('answers 503 when users or products are down; an unknown reservation outcome is released', async () => {
    const { app, users, products, released, store } = setup();
    users.getUser.mockRejectedValueOnce(new DependencyUnavailableError('users'));
    const usersDown = await post(app, order());
    expect(usersDown.statusCode).toBe(503);
    expectErrorShape(usersDown.json(), 'DEPENDENCY_UNAVAILABLE');
    expect(products.reserveStock).not.toHaveBeenCalled();

    products.reserveStock.mockRejectedValueOnce(new DependencyUnavailableError('products'));
    const productsDown = await post(app, order());
    expect(productsDown.statusCode).toBe(503);
    expect(productsDown.json().error.message).toContain('products');
    expect(released).toEqual([products.reserveStock.mock.calls[0]![0]]);
    expect(store.placed).toHaveLength(0);
  });

  it('releases the reservation and answers 503 when the order transaction fails', async () => {
    const { app, store, reserved, released } = setup();
    store.failNextInsert = new SqlUnavailableError('database unreachable (ECONNREFUSED)');
    const response = await post(app, order());
    expect(response.statusCode).toBe(503);
    expect(response.json().error.message).toBe('orders database is unavailable, retry later');
    expect(released).toHaveLength(1);
    expect(reserved.size).toBe(0);
    expect(store.placed).toHaveLength(0);
  });

  it('retries a release that failed in the background until the products service takes it', async () => {
    const { app, store, products, reserved, log } = setup({ releaseRetryDelaysMs: [5, 5, 5] });
    const releaseForReal = products.releaseStock.getMockImplementation()!;
    const productsDown = new DependencyUnavailableError('products', new Error('ECONNREFUSED'));
    products.releaseStock.mockRejectedValueOnce(productsDown).mockRejectedValueOnce(productsDown).mockImplementation(releaseForReal);
    store.failNextInsert = new SqlUnavailableError('database unreachable (ECONNREFUSED)');

    expect((await post(app, order())).statusCode).toBe(503);
    expect(reserved.size).toBe(1);
    const reservationId = products.reserveStock.mock.calls[0]![0];
    await vi.waitFor(() => expect(reserved.size).toBe(0));
    expect(products.releaseStock.mock.calls.map(([released]) => released)).toEqual([reservationId, reservationId, reservationId]);
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ reservationId }), expect.stringContaining('retrying in the background'));
    expect(log.error).not.toHaveBeenCalled();
  });

  it('gives a release still owed one last try at shutdown, and names the reservation to release by hand if that fails too', async () => {
    const { app, store, products, orderService, log } = setup({ releaseRetryDelaysMs: [60_000] });
    products.releaseStock.mockRejectedValue(new DependencyUnavailableError('products', new Error('ECONNREFUSED')));
    store.failNextInsert = new SqlUnavailableError('database unreachable (ECONNREFUSED)');
    expect((await post(app, order())).statusCode).toBe(503);
    const reservationId = products.reserveStock.mock.calls[0]![0];

    await orderService.settle();
    expect(products.releaseStock).toHaveBeenCalledTimes(2);
    expect(log.error).toHaveBeenCalledWith(expect.objectContaining({ reservationId }), expect.stringContaining(`DELETE /products/reservations/${reservationId}`));
  });
});

describe('shutdown', () => {
  it('settle() waits for placements under way, so their clients are not closed under them', async () => {
    const { app, products, orderService } = setup();
    let finishReservation: (() => void) | undefined;
    const reserve = products.reserveStock.getMockImplementation()!;
    products.reserveStock.mockImplementationOnce(async (id, items) => {
      await new Promise<void>((resolve) => (finishReservation = resolve));
      return reserve(id, items);
    });
    const placing = post(app, order());
    await vi.waitFor(() => expect(finishReservation).toBeDefined());
    let settled = false;
    const settling = orderService.settle().then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    finishReservation!();
    await settling;
    expect((await placing).statusCode).toBe(201);
  });
});

describe('POST /orders with Idempotency-Key', () => {
  it('returns the first result for a retry with the same key and body, creating nothing new', async () => {
    const { app, store, products } = setup();
    const first = await post(app, order(), { 'idempotency-key': 'checkout-42' });
    const retry = await post(app, order(), { 'idempotency-key': 'checkout-42' });
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.body).toBe(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(store.placed).toHaveLength(1);
    expect(products.reserveStock).toHaveBeenCalledTimes(1);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with a different body', async () => {
    const { app, store } = setup();
    await post(app, order(), { 'idempotency-key': 'checkout-43' });
    const other = await post(app, order([{ productId: 'sku-apple', quantity: 3 }]), { 'idempotency-key': 'checkout-43' });
    expect(other.statusCode).toBe(422);
    expectErrorShape(other.json(), 'IDEMPOTENCY_KEY_REUSED');
    expect(store.placed).toHaveLength(1);
  });

  it('when two requests race, the loser releases its reservation and answers with the winner’s order', async () => {
    const { app, store, released } = setup();
    // Both pass the key lookup before either has committed.
    const lookup = store.findIdempotencyKey.bind(store);
    let lookups = 0;
    store.findIdempotencyKey = async (key) => (++lookups <= 2 ? undefined : lookup(key));
    const [a, b] = await Promise.all([post(app, order(), { 'idempotency-key': 'race' }), post(app, order(), { 'idempotency-key': 'race' })]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.body).toBe(b.body);
    expect(store.placed).toHaveLength(1);
    expect(released).toHaveLength(1);
    expect(released[0]).not.toBe(a.json().id);
  });
});

describe('GET /orders', () => {
  it('returns a stored order and 404 ORDER_NOT_FOUND for an unknown id', async () => {
    const { app } = setup();
    const placed = (await post(app, order())).json<Order>();
    const found = await get(app, `/orders/${placed.id}`);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual(placed);
    const missing = await get(app, `/orders/${randomUUID()}`);
    expect(missing.statusCode).toBe(404);
    expectErrorShape(missing.json(), 'ORDER_NOT_FOUND');
  });

  it.each([
    ['a limit above 100', '/orders?limit=101', 'querystring.limit'],
    ['a limit of zero', '/orders?limit=0', 'querystring.limit'],
    ['a non-numeric limit', '/orders?limit=ten', 'querystring.limit'],
    ['a userId that is not a UUID', '/orders?userId=ada', 'querystring.userId'],
    ['an unknown parameter', '/orders?sort=total', 'sort'],
  ])('rejects %s with 400', async (_case, url, field) => {
    const { app } = setup();
    const response = await get(app, url);
    expect(response.statusCode).toBe(400);
    expectErrorShape(response.json(), 'VALIDATION_FAILED');
    expect(response.json().error.message).toContain(field);
  });

  it('lists orders as a page', async () => {
    const { app } = setup();
    const placed = (await post(app, order())).json<Order>();
    const page = await get(app, `/orders?userId=${USER}&limit=5`);
    expect(page.statusCode).toBe(200);
    expect(page.json()).toEqual({ items: [placed], nextCursor: null });
  });
});

describe('who may do what', () => {
  const OTHER = '6f1c2a4e-8d3b-4f5a-9c7e-00000000b0b0';

  it('places the order for the caller: the user comes from the identity, never from the body', async () => {
    const { app, users, store } = setup();
    users.getUser.mockImplementation(async (id: string) => ({ id, email: 'x@example.com', name: 'X' }));
    const placed = await post(app, order(), {}, OTHER);
    expect(placed.json().userId).toBe(OTHER);
    expect(users.getUser).toHaveBeenCalledWith(OTHER, expect.any(String));
    const smuggled = await post(app, { ...order(), userId: USER }, {}, OTHER);
    expect(smuggled.statusCode).toBe(400);
    expect(store.placed.map((p) => p.order.userId)).toEqual([OTHER]);
  });

  it('refuses every route without a caller with 401, and a service placing an order with 403', async () => {
    const { app, store, products } = setup();
    for (const [method, url] of [['POST', '/orders'], ['GET', `/orders/${randomUUID()}`], ['GET', '/orders']] as const) {
      const response = await app.inject({ method, url, ...(method === 'POST' ? { payload: order() } : {}) });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      expectErrorShape(response.json(), 'UNAUTHENTICATED');
    }
    const byService = await app.inject({ method: 'POST', url: '/orders', headers: asService('notifications'), payload: order() });
    expect(byService.statusCode).toBe(403);
    expect(products.reserveStock).not.toHaveBeenCalled();
    expect(store.placed).toHaveLength(0);
  });

  it('answers another shopper’s order with 404, as if it did not exist; an administrator reads it', async () => {
    const { app } = setup();
    const placed = (await post(app, order())).json<Order>();
    const byOther = await get(app, `/orders/${placed.id}`, asUser(OTHER));
    expect(byOther.statusCode).toBe(404);
    expect(byOther.json()).toEqual({ error: { code: 'ORDER_NOT_FOUND', message: `order ${placed.id} does not exist`, details: { id: placed.id } } });
    expect((await get(app, `/orders/${placed.id}`, asAdmin())).json()).toEqual(placed);
  });

  it('lists a shopper’s own orders only: without userId their own, another userId 403; an administrator lists anyone’s or all', async () => {
    const { app, users } = setup();
    users.getUser.mockImplementation(async (id: string) => ({ id, email: 'x@example.com', name: 'X' }));
    const mine = (await post(app, order())).json<Order>();
    const theirs = (await post(app, order(), {}, OTHER)).json<Order>();
    expect((await get(app, '/orders')).json().items).toEqual([mine]);
    expect((await get(app, `/orders?userId=${USER.toUpperCase()}`)).json().items).toEqual([mine]);
    const cross = await get(app, `/orders?userId=${OTHER}`);
    expect(cross.statusCode).toBe(403);
    expectErrorShape(cross.json(), 'FORBIDDEN');
    expect((await get(app, `/orders?userId=${OTHER}`, asAdmin())).json().items).toEqual([theirs]);
    expect((await get(app, '/orders', asAdmin())).json().items).toEqual([mine, theirs]);
  });
});
