import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../../runtime/products/src/app';
import { createProductStore, createStockReservations, isProductId, productIdForSku, uuidV5 } from '../../../runtime/shared/products';
import type { ServiceApp } from '../../../runtime/shared/server';
import { ADA, asAdmin, asService, asUser } from '../shared/callers';

/**
 * The real store and reservations over a DynamoDB client whose `send` is a mock: validation must
 * answer before anything reaches the table, and table faults must come out as 503.
 */
function appWithTable(send: (command: unknown) => Promise<unknown> = async () => ({})) {
  const dynamo = { send: vi.fn(send) } as unknown as DynamoDBDocumentClient & { send: ReturnType<typeof vi.fn> };
  const table = { dynamo, tableName: 'products' };
  app = buildApp({ products: createProductStore(table), reservations: createStockReservations(table), logger: false });
  return dynamo.send;
}

let app: ServiceApp;
afterEach(async () => app?.close());

const validProduct = { name: 'Teapot', priceCents: 1250, currency: 'EUR', stock: 10 };
const productId = '0b7e5a2c-4d1e-4f7a-9a55-7f3c1c2b9d10';

describe('products API validation', () => {
  it.each([
    ['a missing name', { ...validProduct, name: undefined }, 'body.name'],
    ['a blank name', { ...validProduct, name: '  ' }, 'body.name'],
    ['a price as a string', { ...validProduct, priceCents: '1250' }, 'body.priceCents'],
    ['a fractional price', { ...validProduct, priceCents: 12.5 }, 'body.priceCents'],
    ['a negative price', { ...validProduct, priceCents: -1 }, 'body.priceCents'],
    ['a huge price', { ...validProduct, priceCents: 1e15 }, 'body.priceCents'],
    ['stock as a boolean', { ...validProduct, stock: true }, 'body.stock'],
    ['negative stock', { ...validProduct, stock: -3 }, 'body.stock'],
    ['stock above the cap', { ...validProduct, stock: 1_000_001 }, 'body.stock'],
    ['a lower-case currency', { ...validProduct, currency: 'eur' }, 'body.currency'],
    ['a SKU with spaces', { ...validProduct, sku: 'A B' }, 'body.sku'],
    ['a description over 2000 characters', { ...validProduct, description: 'd'.repeat(2001) }, 'body.description'],
    ['an unknown field', { ...validProduct, id: productId }, 'id'],
  ])('rejects a create with %s and never touches the table', async (_case, payload, field) => {
    const send = appWithTable();
    const response = await app.inject({ method: 'POST', url: '/products', headers: asAdmin(), payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
    expect(response.json().error.message).toContain(field);
    expect(send).not.toHaveBeenCalled();
  });

  it('rejects an empty or wrongly typed PATCH, malformed JSON and an oversized body', async () => {
    const send = appWithTable();
    for (const payload of [{}, { stock: '5' }, { sku: null }, { name: 'x', extra: 1 }]) {
      const response = await app.inject({ method: 'PATCH', url: `/products/${productId}`, headers: asAdmin(), payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const malformed = await app.inject({ method: 'POST', url: '/products', headers: { 'content-type': 'application/json', ...asAdmin() }, payload: '{"name": "Tea' });
    expect(malformed.json().error.code).toBe('MALFORMED_JSON');
    const huge = await app.inject({ method: 'POST', url: '/products', headers: asAdmin(), payload: { ...validProduct, description: 'd'.repeat(70_000) } });
    expect(huge.statusCode).toBe(413);
    expect(send).not.toHaveBeenCalled();
  });

  it.each([
    ['no reservationId', { items: [{ productId, quantity: 1 }] }, 'body.reservationId'],
    ['a reservationId with a slash', { reservationId: 'a/b', items: [{ productId, quantity: 1 }] }, 'body.reservationId'],
    ['no items', { reservationId: 'r1', items: [] }, 'body.items'],
    ['a zero quantity', { reservationId: 'r1', items: [{ productId, quantity: 0 }] }, 'body.items.0.quantity'],
    ['a huge quantity', { reservationId: 'r1', items: [{ productId, quantity: 1001 }] }, 'body.items.0.quantity'],
    ['a quantity as a string', { reservationId: 'r1', items: [{ productId, quantity: '1' }] }, 'body.items.0.quantity'],
    ['more lines than one transaction holds', { reservationId: 'r1', items: Array(100).fill({ productId, quantity: 1 }) }, 'body.items'],
    ['an unknown field in a line', { reservationId: 'r1', items: [{ productId, quantity: 1, price: 5 }] }, 'price'],
  ])('rejects a reservation with %s and never touches the table', async (_case, payload, field) => {
    const send = appWithTable();
    const response = await app.inject({ method: 'POST', url: '/products/reservations', headers: asService('orders'), payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(field);
    expect(send).not.toHaveBeenCalled();
  });

  it('answers 404 for ids that cannot name a product or reservation, without a table read', async () => {
    const send = appWithTable();
    for (const [method, url, code] of [
      ['GET', '/products/not-a-uuid', 'PRODUCT_NOT_FOUND'],
      ['GET', '/products/sku%23ABC', 'PRODUCT_NOT_FOUND'],
      ['PATCH', '/products/reservation%23r1', 'PRODUCT_NOT_FOUND'],
      ['DELETE', '/products/NOT-A-UUID', 'PRODUCT_NOT_FOUND'],
      ['DELETE', '/products/reservations/has%20space', 'RESERVATION_NOT_FOUND'],
    ] as const) {
      const headers = url.startsWith('/products/reservations') ? asService('orders') : asAdmin();
      const response = await app.inject({ method, url, headers, ...(method === 'PATCH' ? { payload: { stock: 1 } } : {}) });
      expect({ status: response.statusCode, code: response.json().error.code }, `${method} ${url}`).toEqual({ status: 404, code });
    }
    expect(send).not.toHaveBeenCalled();
  });

  it('rejects bad paging parameters before querying', async () => {
    const send = appWithTable();
    const badQueries: Record<string, string>[] = [{ limit: '0' }, { limit: '500' }, { cursor: 'not-ours' }, { cursor: Buffer.from('{"id":"sku#A"}').toString('base64url') }];
    for (const query of badQueries) {
      const response = await app.inject({ url: '/products', query });
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
    }
    expect(send).not.toHaveBeenCalled();
  });
});

describe('products API under table faults', () => {
  it('answers 503 when DynamoDB throttles or is unreachable, and /readyz fails', async () => {
    appWithTable(async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })));
    const throttled = await app.inject({ method: 'POST', url: '/products', headers: asAdmin(), payload: validProduct });
    expect(throttled.statusCode).toBe(503);
    expect(throttled.json().error).toEqual({ code: 'DEPENDENCY_UNAVAILABLE', message: 'products table is unavailable, retry later' });
    await app.close();

    appWithTable(async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })));
    expect((await app.inject(`/products/${productId}`)).statusCode).toBe(503);
    expect((await app.inject('/readyz')).statusCode).toBe(503);
  });

  it('answers 503 when a reservation transaction is cancelled by throttling', async () => {
    const product = { id: productId, entity: 'product', name: 'Teapot', priceCents: 100, currency: 'EUR', stock: 5 };
    appWithTable(async (command) => {
      const name = (command as { constructor: { name: string } }).constructor.name;
      if (name === 'GetCommand') return {};
      if (name === 'BatchGetCommand') return { Responses: { products: [product] } };
      throw Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] });
    });
    const response = await app.inject({ method: 'POST', url: '/products/reservations', headers: asService('orders'), payload: { reservationId: 'r1', items: [{ productId, quantity: 1 }] } });
    expect(response.statusCode).toBe(503);
  });
});

describe('who may do what', () => {
  const reservation = { reservationId: 'r1', items: [{ productId, quantity: 1 }] };

  it('lets anyone read the catalog: an anonymous read reaches the table', async () => {
    const send = appWithTable(async () => ({}));
    const response = await app.inject(`/products/${productId}`);
    expect(response.json().error.code).toBe('PRODUCT_NOT_FOUND');
    expect(send).toHaveBeenCalledOnce();
  });

  it.each([
    ['POST', '/products', validProduct],
    ['PATCH', `/products/${productId}`, { stock: 1 }],
    ['DELETE', `/products/${productId}`, undefined],
  ] as const)('refuses %s %s: 401 without a caller, 403 to a shopper and to a service, never touching the table', async (method, url, payload) => {
    const send = appWithTable();
    const as = (headers: Record<string, string>) => app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    const anonymous = await as({});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHENTICATED');
    for (const headers of [asUser(ADA), asService('orders')]) {
      const refused = await as(headers);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('FORBIDDEN');
    }
    expect(send).not.toHaveBeenCalled();
  });

  it('reserves and releases stock for the orders service only', async () => {
    const send = appWithTable();
    for (const headers of [{}, asUser(ADA), asAdmin(), asService('notifications')]) {
      const reserve = await app.inject({ method: 'POST', url: '/products/reservations', headers, payload: reservation });
      const release = await app.inject({ method: 'DELETE', url: '/products/reservations/r1', headers });
      expect([reserve.statusCode, release.statusCode], JSON.stringify(headers)).toEqual(Object.keys(headers).length === 0 ? [401, 401] : [403, 403]);
    }
    expect(send).not.toHaveBeenCalled();
  });
});

describe('product ids', () => {
  it('derives RFC 4122 version-5 UUIDs (the RFC test vector) and the same id for the same SKU', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(productIdForSku('TEA-1')).toBe(productIdForSku('TEA-1'));
    expect(productIdForSku('TEA-1')).not.toBe(productIdForSku('TEA-2'));
    expect(isProductId(productIdForSku('TEA-1'))).toBe(true);
    expect(isProductId('sku#TEA-1')).toBe(false);
  });
});
