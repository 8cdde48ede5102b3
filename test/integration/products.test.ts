import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../runtime/shared/api/products';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient, productsTableSchema } from '../../runtime/shared/dynamo';
import type { ServiceApp } from '../../runtime/shared/server';
import { buildApp } from '../../runtime/products/src/app';
import { createProductStore, createStockReservations } from '../../runtime/shared/products';
import { localBackends } from './backends';
import { asAdmin, asService } from '../runtime/shared/callers';

const { env } = localBackends();
const dynamo = createDynamoClient(env);
const table = { dynamo, tableName: env.PRODUCTS_TABLE };
let app: ServiceApp;

beforeAll(async () => {
  app = buildApp({ products: createProductStore(table), reservations: createStockReservations(table), logger: false });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  dynamo.destroy();
});

const uniqueSku = () => `T-${randomUUID().slice(0, 8)}`;

async function createProduct(fields: Partial<Product> = {}): Promise<Product> {
  const response = await app.inject({
    method: 'POST',
    url: '/products',
    headers: asAdmin(),
    payload: { name: 'Teapot', priceCents: 1250, currency: 'EUR', stock: 10, ...fields },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

const stockOf = async (id: string): Promise<number> => (await app.inject(`/products/${id}`)).json().stock;
const reserve = (reservationId: string, items: { productId: string; quantity: number }[]) =>
  app.inject({ method: 'POST', url: '/products/reservations', headers: asService('orders'), payload: { reservationId, items } });
const release = (reservationId: string) => app.inject({ method: 'DELETE', headers: asService('orders'), url: `/products/reservations/${reservationId}` });

describe('products on the DynamoDB API server', () => {
  it('creates, reads, patches and deletes a product', async () => {
    const created = await createProduct({ description: 'Porcelain, 1 l', sku: uniqueSku() });
    expect((await app.inject(`/products/${created.id}`)).json()).toEqual(created);

    const patched = await app.inject({ method: 'PATCH', headers: asAdmin(), url: `/products/${created.id}`, payload: { priceCents: 1500, name: 'Big teapot' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: created.id, priceCents: 1500, name: 'Big teapot', stock: 10, sku: created.sku, description: 'Porcelain, 1 l' });

    expect((await app.inject({ method: 'DELETE', headers: asAdmin(), url: `/products/${created.id}` })).statusCode).toBe(204);
    expect((await app.inject(`/products/${created.id}`)).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', headers: asAdmin(), url: `/products/${created.id}` })).statusCode).toBe(404);
    // Deleting released the SKU.
    await createProduct({ sku: created.sku });
  });

  it('lets exactly one of ten concurrent creates with the same SKU win', async () => {
    const sku = uniqueSku();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => app.inject({ method: 'POST', url: '/products', headers: asAdmin(), payload: { name: 'Kettle', priceCents: 999, currency: 'EUR', stock: 1, sku } })),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, ...Array(9).fill(409)]);
    for (const loser of responses.filter((r) => r.statusCode === 409)) expect(loser.json().error).toMatchObject({ code: 'SKU_TAKEN', details: { sku } });
  });

  it('moves the SKU guard on PATCH: the old SKU is free, the new one taken, a taken one refused', async () => {
    const [oldSku, newSku] = [uniqueSku(), uniqueSku()];
    const product = await createProduct({ sku: oldSku });
    const other = await createProduct({ sku: uniqueSku() });

    const refused = await app.inject({ method: 'PATCH', headers: asAdmin(), url: `/products/${product.id}`, payload: { sku: other.sku, stock: 3 } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('SKU_TAKEN');
    expect(await stockOf(product.id)).toBe(10);

    const moved = await app.inject({ method: 'PATCH', headers: asAdmin(), url: `/products/${product.id}`, payload: { sku: newSku } });
    expect(moved.json().sku).toBe(newSku);
    await createProduct({ sku: oldSku });
    const clash = await app.inject({ method: 'POST', url: '/products', headers: asAdmin(), payload: { name: 'x', priceCents: 1, currency: 'EUR', stock: 1, sku: newSku } });
    expect(clash.statusCode).toBe(409);
  });

  it('pages through every product exactly once', async () => {
    const created = new Set<string>();
    for (let i = 0; i < 7; i++) created.add((await createProduct({ name: `Paged ${i}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await app.inject({ url: '/products', query: { limit: '3', ...(cursor ? { cursor } : {}) } });
      expect(response.statusCode).toBe(200);
      const page: { items: Product[]; nextCursor: string | null } = response.json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    for (const id of created) expect(seen).toContain(id);
    expect(pages).toBeGreaterThanOrEqual(3);
  });
});

describe('stock reservations on the DynamoDB API server', () => {
  it('never oversells: 20 concurrent reservations of the last 5 units, exactly 5 succeed and stock ends at 0', async () => {
    const product = await createProduct({ stock: 5 });
    const responses = await Promise.all(Array.from({ length: 20 }, () => reserve(randomUUID(), [{ productId: product.id, quantity: 1 }])));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(15);
    for (const refused of responses.filter((r) => r.statusCode === 409)) {
      expect(refused.json().error).toMatchObject({ code: 'INSUFFICIENT_STOCK', details: { products: [{ productId: product.id, requested: 1, available: 0 }] } });
    }
    expect(await stockOf(product.id)).toBe(0);
  });

  it('reserves all lines or none, merging lines of one product, at the prices of the moment', async () => {
    const teapot = await createProduct({ stock: 5, priceCents: 1250 });
    const cups = await createProduct({ stock: 2, priceCents: 300 });
    const tooMany = await reserve(randomUUID(), [
      { productId: teapot.id, quantity: 1 },
      { productId: cups.id, quantity: 2 },
      { productId: cups.id, quantity: 1 },
    ]);
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.json().error.details.products).toEqual([{ productId: cups.id, requested: 3, available: 2 }]);
    expect([await stockOf(teapot.id), await stockOf(cups.id)]).toEqual([5, 2]);

    const reservationId = randomUUID();
    const ok = await reserve(reservationId, [
      { productId: teapot.id, quantity: 1 },
      { productId: cups.id, quantity: 1 },
      { productId: teapot.id, quantity: 1 },
    ]);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({
      reservationId,
      currency: 'EUR',
      items: [
        { productId: teapot.id, quantity: 2, unitPriceCents: 1250 },
        { productId: cups.id, quantity: 1, unitPriceCents: 300 },
      ],
    });
    expect([await stockOf(teapot.id), await stockOf(cups.id)]).toEqual([3, 1]);
  });

  it('answers 404 naming an unknown product and 400 for mixed currencies, reserving nothing', async () => {
    const euro = await createProduct({ stock: 5, currency: 'EUR' });
    const dollar = await createProduct({ stock: 5, currency: 'USD' });
    const unknownId = randomUUID();
    const unknown = await reserve(randomUUID(), [
      { productId: euro.id, quantity: 1 },
      { productId: unknownId, quantity: 1 },
    ]);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'PRODUCT_NOT_FOUND', details: { id: unknownId } });
    const mixed = await reserve(randomUUID(), [
      { productId: euro.id, quantity: 1 },
      { productId: dollar.id, quantity: 1 },
    ]);
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().error.code).toBe('MIXED_CURRENCIES');
    expect([await stockOf(euro.id), await stockOf(dollar.id)]).toEqual([5, 5]);
  });

  it('is idempotent per reservationId, also under concurrent retries', async () => {
    const product = await createProduct({ stock: 10 });
    const reservationId = randomUUID();
    const items = [{ productId: product.id, quantity: 3 }];
    const responses = await Promise.all(Array.from({ length: 5 }, () => reserve(reservationId, items)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(5).fill(201));
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    expect(await stockOf(product.id)).toBe(7);

    const reused = await reserve(reservationId, [{ productId: product.id, quantity: 4 }]);
    expect(reused.statusCode).toBe(409);
    expect(reused.json().error.code).toBe('RESERVATION_ID_REUSED');
    expect(await stockOf(product.id)).toBe(7);
  });

  it('answers a repeat of a reservation that took the last units with that reservation, not a shortfall', async () => {
    const product = await createProduct({ stock: 3 });
    const reservationId = randomUUID();
    const items = [{ productId: product.id, quantity: 3 }];
    const first = await reserve(reservationId, items);
    expect(first.statusCode).toBe(201);
    const repeat = await reserve(reservationId, items);
    expect(repeat.statusCode).toBe(201);
    expect(repeat.json()).toEqual(first.json());
    expect(await stockOf(product.id)).toBe(0);
  });

  it('gives a reservation a time to live 90 days after it was made', async () => {
    const product = await createProduct({ stock: 1 });
    const reservationId = randomUUID();
    const before = Math.floor(Date.now() / 1000);
    expect((await reserve(reservationId, [{ productId: product.id, quantity: 1 }])).statusCode).toBe(201);
    const { Item } = await dynamo.send(new GetCommand({ TableName: env.PRODUCTS_TABLE, Key: { id: `reservation#${reservationId}` } }));
    const expiresAt = Item?.[productsTableSchema.timeToLiveAttribute] as number;
    const ninetyDays = 90 * 24 * 60 * 60;
    expect(expiresAt).toBeGreaterThanOrEqual(before + ninetyDays);
    expect(expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + ninetyDays);
  });

  it('releases exactly once, even when released concurrently', async () => {
    const product = await createProduct({ stock: 4 });
    const reservationId = randomUUID();
    expect((await reserve(reservationId, [{ productId: product.id, quantity: 3 }])).statusCode).toBe(201);
    expect(await stockOf(product.id)).toBe(1);

    const releases = await Promise.all(Array.from({ length: 5 }, () => release(reservationId)));
    expect(releases.map((r) => r.statusCode)).toEqual(Array(5).fill(204));
    expect(await stockOf(product.id)).toBe(4);
    expect((await release(reservationId)).statusCode).toBe(204);
    expect(await stockOf(product.id)).toBe(4);

    const again = await reserve(reservationId, [{ productId: product.id, quantity: 3 }]);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('RESERVATION_RELEASED');
    expect(await stockOf(product.id)).toBe(4);

    const unknown = await release(randomUUID());
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('RESERVATION_NOT_FOUND');
  });

  it('releases a reservation whose product was deleted since, without resurrecting it', async () => {
    const kept = await createProduct({ stock: 2 });
    const doomed = await createProduct({ stock: 2 });
    const reservationId = randomUUID();
    expect((await reserve(reservationId, [{ productId: kept.id, quantity: 1 }, { productId: doomed.id, quantity: 1 }])).statusCode).toBe(201);
    expect((await app.inject({ method: 'DELETE', headers: asAdmin(), url: `/products/${doomed.id}` })).statusCode).toBe(204);
    expect((await release(reservationId)).statusCode).toBe(204);
    expect(await stockOf(kept.id)).toBe(2);
    expect((await app.inject(`/products/${doomed.id}`)).statusCode).toBe(404);
  });

  it('is ready when the table answers', async () => {
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready', checks: { table: 'ok' } });
  });
});
