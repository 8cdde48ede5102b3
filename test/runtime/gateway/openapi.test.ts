import SwaggerParser from '@apidevtools/swagger-parser';
import { Value } from '@sinclair/typebox/value';
import type { InjectOptions } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../../../runtime/shared/http';
import type { ServiceApp } from '../../../runtime/shared/server';
import { DuplicateKeyError } from '../../../runtime/shared/sql';
import { startShopBehindGateway, type ShopBehindGateway } from './shop-behind-gateway';

// Every route of DESIGN.md's public API table, plus the analytics read model the gateway serves itself.
const PUBLIC_API: ReadonlyArray<readonly [path: string, method: 'get' | 'post' | 'patch' | 'delete', success: string]> = [
  ['/api/users', 'post', '201'],
  ['/api/users', 'get', '200'],
  ['/api/users/{id}', 'get', '200'],
  ['/api/users/{id}', 'patch', '200'],
  ['/api/users/{id}', 'delete', '204'],
  ['/api/products', 'post', '201'],
  ['/api/products', 'get', '200'],
  ['/api/products/{id}', 'get', '200'],
  ['/api/products/{id}', 'patch', '200'],
  ['/api/products/{id}', 'delete', '204'],
  ['/api/orders', 'post', '201'],
  ['/api/orders', 'get', '200'],
  ['/api/orders/{id}', 'get', '200'],
  ['/api/notifications', 'get', '200'],
  ['/api/analytics/windows', 'get', '200'],
];

const USER = '6f1c2a4e-8d3b-4f5a-9c7e-1a2b3c4d5e6f';
const PRODUCT = '0b7e5a2c-4d1e-4f7a-9a55-7f3c1c2b9d10';
const ORDER = '3d2f1e0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f';
const STORED_AT = '2026-01-15 10:00:05.123';

/** The user, product and order the valid requests name, as the backends hold them. */
function seed(shop: ShopBehindGateway, { stock = 10 } = {}): void {
  const userRow = { id: USER, email: 'ada@example.com', name: 'Ada', created_at: STORED_AT, updated_at: STORED_AT };
  shop.usersDb.rows = (statement) => (statement.includes('FROM users') ? [userRow] : []);
  shop.usersDb.affectedRows = 1;
  const at = '2026-01-15T10:00:05.123Z';
  shop.productsTable.items.set(PRODUCT, { id: PRODUCT, entity: 'product', name: 'Mug', priceCents: 1200, currency: 'EUR', stock, createdAt: at, updatedAt: at });
  const orderRow = { id: ORDER, user_id: USER, status: 'placed', total_cents: 1200, currency: 'EUR', created_at: STORED_AT };
  const itemRow = { order_id: ORDER, product_id: PRODUCT, quantity: 1, unit_price_cents: 1200 };
  shop.ordersDb.rows = (statement) => (statement.includes('FROM orders ') ? [orderRow] : statement.includes('FROM order_items') ? [itemRow] : []);
}

const json = { 'content-type': 'application/json' };
const send = (method: InjectOptions['method'], url: string, body?: unknown, headers: Record<string, string> = {}): InjectOptions =>
  body === undefined ? { method, url, headers } : { method, url, headers: { ...json, ...headers }, payload: JSON.stringify(body) };

/**
 * Who sends the requests: an administrator passes every access rule; the shopper is USER, the owner of
 * the seeded profile and order; the others are refused at the gateway (authentication.test.ts has every kind of bad token).
 */
type Caller = 'admin' | 'shopper' | 'nobody' | 'a forged token';

/** A situation of an operation's own domain: how the backends stand, and the request that meets them. */
interface DomainCase {
  readonly arrange: (shop: ShopBehindGateway) => void;
  readonly request: InjectOptions;
  /** @default 'admin' */
  readonly caller?: Caller;
}

interface OperationFixture {
  /** Succeeds once the backends hold the seeded user, product and order; names them. */
  readonly valid: InjectOptions;
  /** Refused for its form, whatever the data. */
  readonly invalid: InjectOptions;
  readonly domain?: readonly DomainCase[];
}

const longId = 'x'.repeat(65);
const placeOrder = { items: [{ productId: PRODUCT, quantity: 1 }] };
const emailTaken = (shop: ShopBehindGateway) => {
  seed(shop);
  shop.usersDb.writeError = new DuplicateKeyError('uq_users_email', 'Duplicate entry');
};

/** One valid and one invalid request per operation of the document, and the cases of its domain. */
const FIXTURES: Readonly<Record<string, OperationFixture>> = {
  'POST /api/users': {
    valid: send('POST', '/api/users', { email: 'grace@example.com', name: 'Grace' }),
    invalid: send('POST', '/api/users', []),
    domain: [{ arrange: emailTaken, request: send('POST', '/api/users', { email: 'ada@example.com', name: 'Ada' }) }],
  },
  'GET /api/users': { valid: send('GET', '/api/users?limit=5'), invalid: send('GET', '/api/users?limit=0') },
  'GET /api/users/{id}': { valid: send('GET', `/api/users/${USER}`), invalid: send('GET', `/api/users/${longId}`) },
  'PATCH /api/users/{id}': {
    valid: send('PATCH', `/api/users/${USER}`, { email: 'ada.l@example.com' }),
    invalid: send('PATCH', `/api/users/${USER}`, {}),
    domain: [{ arrange: emailTaken, request: send('PATCH', `/api/users/${USER}`, { email: 'grace@example.com' }) }],
  },
  'DELETE /api/users/{id}': { valid: send('DELETE', `/api/users/${USER}`), invalid: send('DELETE', `/api/users/${longId}`) },
  'POST /api/products': {
    valid: send('POST', '/api/products', { name: 'Teapot', priceCents: 2500, currency: 'EUR', stock: 3, sku: 'TEA-1' }),
    invalid: send('POST', '/api/products', { name: 'Teapot', priceCents: '25' }),
    domain: [
      {
        // The product's put succeeds, its SKU guard's does not.
        arrange: (shop) => void (shop.productsTable.cancellationReasons = ['None', 'ConditionalCheckFailed']),
        request: send('POST', '/api/products', { name: 'Teapot', priceCents: 2500, currency: 'EUR', stock: 3, sku: 'MUG-1' }),
      },
    ],
  },
  'GET /api/products': { valid: send('GET', '/api/products'), invalid: send('GET', '/api/products?limit=abc') },
  'GET /api/products/{id}': { valid: send('GET', `/api/products/${PRODUCT}`), invalid: send('GET', `/api/products/${longId}`) },
  'PATCH /api/products/{id}': {
    valid: send('PATCH', `/api/products/${PRODUCT}`, { sku: 'MUG-2' }),
    invalid: send('PATCH', `/api/products/${PRODUCT}`, { stock: -1 }),
    domain: [
      {
        // The new SKU's guard already exists.
        arrange: (shop) => {
          seed(shop);
          shop.productsTable.cancellationReasons = ['ConditionalCheckFailed', 'None'];
        },
        request: send('PATCH', `/api/products/${PRODUCT}`, { sku: 'TEA-1' }),
      },
    ],
  },
  'DELETE /api/products/{id}': { valid: send('DELETE', `/api/products/${PRODUCT}`), invalid: send('DELETE', `/api/products/${longId}`) },
  'POST /api/orders': {
    valid: send('POST', '/api/orders', placeOrder),
    invalid: send('POST', '/api/orders', { ...placeOrder, items: [] }),
    domain: [
      {
        // The stock decrement's condition fails; the reservation reads the product again and finds none left.
        arrange: (shop) => {
          seed(shop, { stock: 0 });
          shop.productsTable.cancellationReasons = ['None', 'ConditionalCheckFailed'];
        },
        request: send('POST', '/api/orders', placeOrder),
      },
      {
        arrange: (shop) => {
          seed(shop);
          const orders = shop.ordersDb.rows;
          shop.ordersDb.rows = (statement) =>
            statement.includes('FROM idempotency_keys') ? [{ request_hash: 'the hash of another body', order_id: ORDER }] : orders(statement);
        },
        request: send('POST', '/api/orders', placeOrder, { 'idempotency-key': 'first-order' }),
      },
    ],
  },
  'GET /api/orders': {
    valid: send('GET', `/api/orders?userId=${USER}`),
    invalid: send('GET', '/api/orders?userId=ada'),
    domain: [{ arrange: seed, caller: 'shopper', request: send('GET', `/api/orders?userId=${ORDER}`) }],
  },
  'GET /api/orders/{id}': { valid: send('GET', `/api/orders/${ORDER}`), invalid: send('GET', `/api/orders/${longId}`) },
  'GET /api/notifications': { valid: send('GET', `/api/notifications?orderId=${ORDER}`), invalid: send('GET', '/api/notifications') },
  'GET /api/analytics/windows': { valid: send('GET', '/api/analytics/windows?limit=5'), invalid: send('GET', '/api/analytics/windows?limit=0') },
};

/** A whole situation: the gateway it goes through and how every backend stands. */
interface Situation {
  readonly name: string;
  /** @default 'admin' */
  readonly caller?: Caller;
  readonly gateway?: (shop: ShopBehindGateway) => ServiceApp;
  readonly arrange?: (shop: ShopBehindGateway) => void;
  readonly request: (fixture: OperationFixture) => InjectOptions | undefined;
}

const withBody = (request: InjectOptions, payload: string | Buffer, contentType = 'application/json'): InjectOptions | undefined =>
  request.payload === undefined ? undefined : { ...request, headers: { ...request.headers, 'content-type': contentType }, payload };

const SITUATIONS: readonly Situation[] = [
  { name: 'valid, data present', arrange: seed, request: (fixture) => fixture.valid },
  { name: 'valid, nothing stored', request: (fixture) => fixture.valid },
  { name: 'invalid', arrange: seed, request: (fixture) => fixture.invalid },
  { name: 'malformed JSON', request: (fixture) => withBody(fixture.valid, '{"name":') },
  { name: 'not JSON', request: (fixture) => withBody(fixture.valid, 'name=Ada', 'application/x-www-form-urlencoded') },
  { name: 'a body over the limit', request: (fixture) => withBody(fixture.valid, JSON.stringify({ name: 'x'.repeat(70 * 1024) })) },
  {
    name: 'every backend down',
    arrange: (shop) => {
      for (const backend of [shop.usersDb, shop.ordersDb, shop.notificationsDb, shop.productsTable]) backend.down = true;
    },
    request: (fixture) => fixture.valid,
  },
  {
    name: 'every service unreachable',
    gateway: (shop) => shop.gateway({ upstreamUrls: { users: 'http://127.0.0.1:1', products: 'http://127.0.0.1:1', orders: 'http://127.0.0.1:1', notifications: 'http://127.0.0.1:1' } }),
    request: (fixture) => fixture.valid,
  },
  {
    // undici checks these timeouts on a ~0.5 s tick, so the backends must be clearly slower than that.
    name: 'every backend slower than the gateway waits',
    gateway: (shop) => shop.gateway({ timeoutsMs: { read: 100, write: 100, placeOrder: 100 }, breaker: { failureThreshold: 1000 } }),
    arrange: (shop) => {
      seed(shop);
      for (const backend of [shop.usersDb, shop.ordersDb, shop.notificationsDb, shop.productsTable]) backend.delayMs = 2500;
    },
    request: (fixture) => fixture.valid,
  },
  { name: 'over the rate limit', gateway: (shop) => shop.gateway({ rateLimit: { max: 1, timeWindowMs: 60_000 } }), request: (fixture) => fixture.valid },
  { name: 'without a token', caller: 'nobody', arrange: seed, request: (fixture) => fixture.valid },
  { name: 'with a forged token', caller: 'a forged token', arrange: seed, request: (fixture) => fixture.valid },
  { name: 'by a shopper, on their own data', caller: 'shopper', arrange: seed, request: (fixture) => fixture.valid },
];

interface Answer {
  readonly situation: string;
  readonly status: number;
  readonly body: unknown;
  readonly requestId: unknown;
}

let shop: ShopBehindGateway;
let document: OpenAPIV3.Document;
const operations: { key: string; documented: string[] }[] = [];
/** What each operation answered in every situation, by `METHOD /path`. */
const answers = new Map<string, Answer[]>();

function record(key: string, situation: string, response: { statusCode: number; body: string; headers: Record<string, unknown> }): void {
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = response.body;
  }
  answers.get(key)!.push({ situation, status: response.statusCode, body, requestId: response.headers['x-request-id'] });
}

beforeAll(async () => {
  shop = await startShopBehindGateway();
  const credentials: Record<Caller, Record<string, string>> = {
    admin: await shop.issuer.admin(),
    shopper: await shop.issuer.bearer(USER),
    nobody: {},
    'a forged token': { authorization: `Bearer ${await shop.issuer.token({ sub: USER, groups: ['admin'] }, { issuer: 'https://evil.test' })}` },
  };
  const as = (caller: Caller = 'admin', request: InjectOptions): InjectOptions => ({ ...request, headers: { ...credentials[caller], ...request.headers } });
  const gateway = shop.gateway();
  document = (await gateway.inject('/docs/json')).json();
  await gateway.close();
  for (const [path, pathItem] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'patch', 'delete', 'put'] as const) {
      const operation = pathItem?.[method];
      if (operation) operations.push({ key: `${method.toUpperCase()} ${path}`, documented: Object.keys(operation.responses).sort() });
    }
  }
  for (const { key } of operations) answers.set(key, []);

  const fixtureOf = (key: string) => {
    const fixture = FIXTURES[key];
    if (!fixture) throw new Error(`${key} is in /docs/json but has no fixture here: add one, so its statuses are checked`);
    return fixture;
  };
  for (const situation of SITUATIONS) {
    shop.reset();
    situation.arrange?.(shop);
    const gateway = situation.gateway?.(shop) ?? shop.gateway();
    // Spends the one request the rate-limited gateway allows, and warms every gateway the same way.
    await gateway.inject(as(situation.caller, { url: '/api/analytics/windows' }));
    await Promise.all(
      operations.map(async ({ key }) => {
        const request = situation.request(fixtureOf(key));
        if (request) record(key, situation.name, await gateway.inject(as(situation.caller, request)));
      }),
    );
    await gateway.close();
  }
  for (const { key } of operations) {
    for (const domainCase of fixtureOf(key).domain ?? []) {
      shop.reset();
      domainCase.arrange(shop);
      const gateway = shop.gateway();
      record(key, 'its domain', await gateway.inject(as(domainCase.caller, domainCase.request)));
      await gateway.close();
    }
  }
}, 60_000);
afterAll(() => shop?.close());

describe('/docs/json', () => {
  it('validates as OpenAPI 3', async () => {
    expect(document.openapi).toMatch(/^3\.0\./);
    // validate() dereferences in place; give it a copy so the assertions below see the document as served.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it.each(PUBLIC_API)('describes %s %s with its success answer', (path, method, success) => {
    const operation = document.paths[path]?.[method];
    expect(operation, `${method} ${path}`).toBeDefined();
    expect(Object.keys(operation!.responses)).toContain(success);
  });

  it('documents nothing but the public API: probes and metrics stay out', () => {
    expect(Object.keys(document.paths).sort()).toEqual([...new Set(PUBLIC_API.map(([path]) => path))].sort());
    expect(operations.map(({ key }) => key).sort()).toEqual(PUBLIC_API.map(([path, method]) => `${method.toUpperCase()} ${path}`).sort());
  });

  it('gives every error answer the one ErrorBody schema', () => {
    const { $id: _id, ...errorBody } = ErrorBody;
    expect(document.components?.schemas?.ErrorBody).toEqual(JSON.parse(JSON.stringify(errorBody)));
    for (const [path, pathItem] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(pathItem as Record<string, OpenAPIV3.OperationObject>)) {
        for (const [status, response] of Object.entries(operation.responses as Record<string, OpenAPIV3.ResponseObject>)) {
          if (Number(status) < 400) continue;
          expect(response.content?.['application/json']?.schema, `${method} ${path} ${status}`).toEqual({ $ref: '#/components/schemas/ErrorBody' });
          expect(response.description, `${method} ${path} ${status}`).not.toBe('Default Response');
        }
      }
    }
  });

  it('documents cursors as opaque strings and nextCursor as always present, null on the last page', () => {
    const list = document.paths['/api/users']!.get!;
    const cursor = list.parameters!.find((parameter) => (parameter as OpenAPIV3.ParameterObject).name === 'cursor') as OpenAPIV3.ParameterObject;
    expect(cursor).toMatchObject({ in: 'query', required: false, schema: { type: 'string' } });
    expect(cursor.description).toMatch(/^Where the page starts.*Opaque/);
    const limit = list.parameters!.find((parameter) => (parameter as OpenAPIV3.ParameterObject).name === 'limit') as OpenAPIV3.ParameterObject;
    // The server fills the default in, so a client need not send it.
    expect(limit).toMatchObject({ required: false, schema: { default: 20 } });
    const page = (list.responses['200'] as OpenAPIV3.ResponseObject).content!['application/json']!.schema as OpenAPIV3.SchemaObject;
    expect(page.required).toContain('nextCursor');
    expect(page.properties!.nextCursor).toMatchObject({ type: 'string', nullable: true });
    expect((page.properties!.nextCursor as OpenAPIV3.SchemaObject).description).toMatch(/null on the last page.*Opaque/);
  });

  it('names the bearer scheme on every operation but the product reads, which anyone may call', () => {
    expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const open = PUBLIC_API.filter(([path, method]) => document.paths[path]![method]!.security === undefined).map(([path, method]) => `${method.toUpperCase()} ${path}`);
    expect(open.sort()).toEqual(['GET /api/products', 'GET /api/products/{id}']);
    for (const [path, method] of PUBLIC_API) {
      const { security } = document.paths[path]![method]!;
      if (security !== undefined) expect(security, `${method} ${path}`).toEqual([{ bearer: [] }]);
    }
  });

  it('serves the UI', async () => {
    const gateway = shop.gateway();
    const ui = await gateway.inject('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    await gateway.close();
  });
});

describe('each operation, driven through the gateway to the real services in every situation the test can arrange', () => {
  it.each(PUBLIC_API.map(([path, method]) => `${method.toUpperCase()} ${path}`))('%s answers exactly the statuses its document lists', (key) => {
    const documented = operations.find((operation) => operation.key === key)!.documented;
    const answered = answers.get(key)!;
    const undocumented = answered.filter(({ status }) => !documented.includes(String(status)));
    expect(undocumented, 'answers whose status the document does not list').toEqual([]);
    expect([...new Set(answered.map(({ status }) => String(status)))].sort(), 'statuses answered').toEqual(documented);
  });

  it.each(PUBLIC_API.map(([path, method]) => `${method.toUpperCase()} ${path}`))('%s answers every error in the shared shape with the request id', (key) => {
    for (const answer of answers.get(key)!) {
      expect(answer.requestId, answer.situation).toMatch(/^[0-9a-f-]{36}$/);
      if (answer.status >= 400) expect(Value.Check(ErrorBody, answer.body), `${answer.situation}: ${JSON.stringify(answer.body)}`).toBe(true);
    }
  });
});
