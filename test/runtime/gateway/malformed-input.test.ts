import net, { type AddressInfo } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_ROUTES, type UpstreamName } from '../../../runtime/gateway/src/public-routes';
import { ErrorBody } from '../../../runtime/shared/http';
import type { ServiceApp } from '../../../runtime/shared/server';
import { asAdmin, asService } from '../shared/callers';
import { startShopBehindGateway, type ShopBehindGateway } from './shop-behind-gateway';

/*
 * Malformed input of every kind, on every route of the gateway (through to the real services behind
 * it) and of each service directly: the answer is always a 4xx in the shared error shape with the
 * request id, never a 5xx.
 */

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Route {
  readonly method: Method;
  /** With `:id` where the path names a resource. */
  readonly url: string;
}

const UUID = '0b7e5a2c-4d1e-4f7a-9a55-7f3c1c2b9d10';
const ANALYTICS: Route = { method: 'GET', url: '/api/analytics/windows' };
/** The products service's routes the orders service calls; not public, but just as exposed to bad input. */
const INTERNAL_ROUTES: Partial<Record<UpstreamName, readonly Route[]>> = {
  products: [
    { method: 'POST', url: '/products/reservations' },
    { method: 'DELETE', url: '/products/reservations/:id' },
  ],
};

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** Path segments where an id belongs, as sent on the wire (percent-encoded where the URL needs it). */
const MALFORMED_IDS: ReadonlyArray<readonly [string, string]> = [
  ['one character over the cap', 'a'.repeat(65)],
  ['ten thousand characters', 'a'.repeat(10_000)],
  ['past any segment the router matches', 'a'.repeat(20_000)],
  ['NUL', '%00'],
  ['CR LF', '%0D%0A'],
  ['a terminal escape sequence', '%1B%5B31m'],
  ['an emoji', '%F0%9F%98%80'],
  ['a truncated percent-escape', '%E0%A4%A'],
  ['an overlong UTF-8 slash', '%C0%AF'],
  ['a byte that is not UTF-8', '%FF'],
  ['an encoded path traversal', '..%2F..%2Fadmin'],
  ['SQL', "1'%20OR%20'1'%3D'1"],
  ['a space', '%20'],
  ['a UUID with a NUL after it', `${UUID}%00`],
];

const MALFORMED_QUERIES: ReadonlyArray<readonly [string, string]> = [
  ['a negative limit', 'limit=-1'],
  ['a limit of zero', 'limit=0'],
  ['a limit that is not a number', 'limit=abc'],
  ['a fractional limit', 'limit=1.5'],
  ['a limit in exponent form over the cap', 'limit=1e3'],
  ['an empty limit', 'limit='],
  ['a limit beyond any integer', 'limit=99999999999999999999999'],
  ['the limit twice', 'limit=1&limit=2'],
  ['a bracketed limit', 'limit[]=1'],
  ['an empty cursor', 'cursor='],
  ['a cursor of percent signs', 'cursor=%25%25%25'],
  ['a cursor that is not base64', 'cursor=!!!!'],
  ['a cursor that is not JSON', `cursor=${base64url('not json')}`],
  ['a cursor of another shape', `cursor=${base64url('{"id":1}')}`],
  ['a cursor with a timestamp that is not one', `cursor=${base64url(JSON.stringify({ createdAt: 'yesterday', id: UUID }))}`],
  ['a cursor with the thirteenth month', `cursor=${base64url(JSON.stringify({ createdAt: '2026-13-45T99:99:99.999Z', id: UUID }))}`],
  ['a cursor before year one', `cursor=${base64url(JSON.stringify({ createdAt: '0000-01-01T00:00:00+01:00', id: UUID }))}`],
  ['a cursor with an id that is not one', `cursor=${base64url(JSON.stringify({ createdAt: '2026-01-15T10:00:05.123Z', id: "' OR 1=1" }))}`],
  ['a cursor over its length cap', `cursor=${'a'.repeat(600)}`],
  ['the cursor twice', 'cursor=a&cursor=b'],
  ['an empty orderId', 'orderId='],
  ['the orderId twice', 'orderId=a&orderId=b'],
  ['a ten-thousand-character orderId', `orderId=${'a'.repeat(10_000)}`],
  ['a userId that is not a UUID', 'userId=ada'],
  ['a NUL userId', 'userId=%00'],
  ['__proto__', '__proto__=1'],
  ['constructor', 'constructor[prototype]=1'],
  ['an unknown parameter', 'unknown=1'],
  ['a truncated percent-escape', '%E0%A4%A=1'],
];

const deeplyNested = `{"name":${'['.repeat(5000)}${']'.repeat(5000)}}`;
const MALFORMED_BODIES: ReadonlyArray<readonly [string, string | undefined, string | Buffer]> = [
  ['JSON cut short', 'application/json', '{"name":'],
  ['an empty JSON body', 'application/json', ''],
  ['a body without a content type', undefined, '{"name":"x"}'],
  ['text', 'text/plain', 'name=x'],
  ['XML', 'application/xml', '<name>x</name>'],
  ['a form', 'application/x-www-form-urlencoded', 'name=x'],
  ['multipart', 'multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--'],
  ['an array instead of an object', 'application/json', '[]'],
  ['an array of objects', 'application/json', '[{}]'],
  ['null', 'application/json', 'null'],
  ['a string', 'application/json', '"x"'],
  ['a number', 'application/json', '42'],
  ['an empty object', 'application/json', '{}'],
  ['five thousand levels of nesting', 'application/json', deeplyNested],
  ['__proto__', 'application/json', '{"__proto__":{"polluted":true}}'],
  ['constructor.prototype', 'application/json', '{"constructor":{"prototype":{"polluted":true}}}'],
  ['bytes that are not UTF-8', 'application/json', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ['a byte-order mark', 'application/json', '\uFEFF{"name":"x"}'],
  ['control characters and a lone surrogate in strings', 'application/json', '{"email":"\\u0000@x.io","name":"\\u001b[31m\\ud800","userId":"\\u0000"}'],
  ['a number beyond double range', 'application/json', '{"priceCents":1e400,"stock":1e400,"items":1e400}'],
  ['40 KiB', 'application/json', JSON.stringify({ pad: 'x'.repeat(40 * 1024) })],
  ['200 KiB', 'application/json', JSON.stringify({ pad: 'x'.repeat(200 * 1024) })],
];

const MALFORMED_IDEMPOTENCY_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['empty', ''],
  ['with a space', 'first order'],
  ['Latin-1', 'cl\u00e9'],
  ['over 255 characters', 'k'.repeat(300)],
];

const withId = (url: string, id: string) => url.replace(':id', id);

/** Every malformed request that fits the route, named. */
function malformedRequests(route: Route): Array<readonly [string, InjectOptions]> {
  const requests: Array<readonly [string, InjectOptions]> = [];
  const hasId = route.url.includes(':id');
  if (hasId) for (const [name, id] of MALFORMED_IDS) requests.push([`an id of ${name}`, { method: route.method, url: withId(route.url, id) }]);
  const url = withId(route.url, UUID);
  if (route.method === 'GET' && !hasId) for (const [name, query] of MALFORMED_QUERIES) requests.push([`a query with ${name}`, { method: 'GET', url: `${url}?${query}` }]);
  if (route.method === 'POST' || route.method === 'PATCH') {
    for (const [name, contentType, payload] of MALFORMED_BODIES) {
      requests.push([`a body of ${name}`, { method: route.method, url, payload, headers: contentType === undefined ? {} : { 'content-type': contentType } }]);
    }
  }
  if (route.method === 'POST' && route.url.endsWith('/orders')) {
    const order = JSON.stringify({ items: [{ productId: UUID, quantity: 1 }] });
    for (const [name, key] of MALFORMED_IDEMPOTENCY_KEYS) {
      requests.push([`an Idempotency-Key ${name}`, { method: 'POST', url, payload: order, headers: { 'content-type': 'application/json', 'idempotency-key': key } }]);
    }
  }
  return requests;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Per path of the routes (with a sample id), the methods served there by any route whose pattern matches it, HEAD with GET. */
function servedMethodsByPath(routes: readonly Route[]): Map<string, string[]> {
  const matches = (route: Route, path: string) => new RegExp(`^${route.url.replace(':id', '[^/]+')}$`).test(path);
  const paths = [...new Set(routes.map((route) => withId(route.url, UUID)))];
  return new Map(
    paths.map((path) => [path, routes.filter((route) => matches(route, path)).flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]))]),
  );
}

function expectRefusal(response: LightMyRequestResponse, what: string): void {
  expect(response.statusCode, `${what}: ${response.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, `${what}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
  expect(response.headers['x-request-id'], what).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers['content-type'], what).toMatch(/^application\/json/);
  expect(Value.Check(ErrorBody, response.json()), `${what}: ${response.body.slice(0, 300)}`).toBe(true);
}

let shop: ShopBehindGateway;
let gateway: ServiceApp;
let adminToken: { authorization: string };
beforeAll(async () => {
  shop = await startShopBehindGateway();
  gateway = shop.gateway();
  adminToken = await shop.issuer.admin();
});
afterAll(async () => {
  await gateway?.close();
  await shop?.close();
});

const GATEWAY_ROUTES: readonly Route[] = [...PUBLIC_ROUTES, ANALYTICS];
const ROUTES_BY_SERVICE = Object.fromEntries(
  (['users', 'products', 'orders', 'notifications'] as const).map((service) => [
    service,
    [
      ...PUBLIC_ROUTES.filter((route) => route.upstream === service).map((route) => ({ method: route.method, url: route.url.slice('/api'.length) })),
      ...(INTERNAL_ROUTES[service] ?? []),
    ],
  ]),
) as Record<UpstreamName, Route[]>;

it('covers every operation of the public API document', async () => {
  const document = (await gateway.inject('/docs/json')).json<OpenAPIV3.Document>();
  const documented = Object.entries(document.paths).flatMap(([path, pathItem]) =>
    Object.keys(pathItem!).map((method) => `${method.toUpperCase()} ${path.replace('{id}', ':id')}`),
  );
  expect(GATEWAY_ROUTES.map((route) => `${route.method} ${route.url}`).sort()).toEqual(documented.sort());
});

/**
 * Who calls: someone allowed on every route, so that the malformed input itself, not a missing
 * identity, is what gets refused. An administrator's token at the gateway, an administrator's
 * identity headers at a service, the orders service at the internal reservation routes.
 */
type Caller = (route: Route) => Record<string, string>;
const CALLER_AT_GATEWAY: Caller = () => adminToken;
const CALLER_AT_SERVICE: Caller = (route) => (route.url.startsWith('/products/reservations') ? asService('orders') : asAdmin());

const targets: ReadonlyArray<readonly [string, () => ServiceApp, readonly Route[], Caller]> = [
  ['the gateway, with the real services behind it', () => gateway, GATEWAY_ROUTES, CALLER_AT_GATEWAY],
  ...(['users', 'products', 'orders', 'notifications'] as const).map(
    (service) => [`the ${service} service`, () => shop.services[service], ROUTES_BY_SERVICE[service], CALLER_AT_SERVICE] as const,
  ),
];

describe.each(targets)('%s', (_target, app, routes, callerOf) => {
  describe.each(routes.map((route) => [`${route.method} ${route.url}`, route] as const))('%s', (_name, route) => {
    it.each(malformedRequests(route))('refuses %s with a 4xx in the error shape', async (what, request) => {
      const response = await app().inject({ ...request, headers: { ...callerOf(route), ...request.headers } });
      expectRefusal(response, what);
      expect([401, 403], `${what}: refused for the input, not the caller`).not.toContain(response.statusCode);
    });

    it('hands out its own request id for one that is not usable, and echoes a usable one', async () => {
      const caller = callerOf(route);
      const junk = await app().inject({ method: route.method, url: withId(route.url, UUID), headers: { ...caller, 'x-request-id': `bad id ${'x'.repeat(200)}` } });
      expect(junk.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
      const usable = await app().inject({ method: route.method, url: withId(route.url, '%00'), headers: { ...caller, 'x-request-id': 'caller-trace-1' } });
      expect(usable.headers['x-request-id']).toBe('caller-trace-1');
    });
  });

  it.each([...servedMethodsByPath(routes)].flatMap(([path, served]) => METHODS.filter((m) => !served.includes(m)).map((method) => [method, path, served] as const)))(
    'answers %s %s with 405 and Allow: the methods it serves',
    async (method, path, served) => {
      const response = await app().inject({ method, url: path });
      expectRefusal(response, `${method} ${path}`);
      expect(response.statusCode).toBe(405);
      expect(response.json().error.code).toBe('METHOD_NOT_ALLOWED');
      expect(response.headers.allow?.toString().split(', ').sort()).toEqual([...served].sort());
    },
  );

  it('still answers an unknown path with 404 ROUTE_NOT_FOUND', async () => {
    const response = await app().inject({ method: 'GET', url: '/nothing/here' });
    expectRefusal(response, 'GET /nothing/here');
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('ROUTE_NOT_FOUND');
    expect(response.headers.allow).toBeUndefined();
  });
});

describe('the gateway on a socket, for what inject cannot send', () => {
  let port: number;
  beforeAll(async () => {
    await gateway.listen({ port: 0, host: '127.0.0.1' });
    port = (gateway.server.address() as AddressInfo).port;
  });

  /** The raw answer to `bytes`, read until the gateway closes the connection. */
  const exchange = (bytes: Buffer) =>
    new Promise<{ status: number; headers: string; body: string }>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body });
      });
    });
  const request = (head: string, ...rest: Buffer[]) => Buffer.concat([Buffer.from(head, 'latin1'), ...rest]);

  it.each([
    ['a request line that is not HTTP', request('HELLO\r\n\r\n')],
    ['raw UTF-8 bytes in the path', request('GET /api/products/', Buffer.from('é😀', 'utf8'), Buffer.from(' HTTP/1.1\r\nhost: shop\r\nconnection: close\r\n\r\n'))],
    ['a control character in the path', request('GET /api/users/a\u0001b HTTP/1.1\r\nhost: shop\r\nconnection: close\r\n\r\n')],
    ['a header name with a space', request('GET /api/users HTTP/1.1\r\nhost: shop\r\nx bad: 1\r\n\r\n')],
    ['two different content lengths', request('POST /api/users HTTP/1.1\r\nhost: shop\r\ncontent-type: application/json\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}')],
    ['headers over 16 KiB', request(`GET /api/users HTTP/1.1\r\nhost: shop\r\nx-padding: ${'a'.repeat(20_000)}\r\n\r\n`)],
    ['a target in absolute form', request(`GET http://shop.example/api/users/${'a'.repeat(8)} HTTP/1.1\r\nhost: shop\r\nconnection: close\r\n\r\n`)],
    ['Latin-1 bytes in the Idempotency-Key', request('POST /api/orders HTTP/1.1\r\nhost: shop\r\ncontent-type: application/json\r\nidempotency-key: ', Buffer.from([0xe9, 0xff]), Buffer.from('\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}'))],
  ] as const)('refuses %s with a 4xx in the error shape', async (what, bytes) => {
    const answer = await exchange(bytes);
    expect(answer.status, `${what}: ${answer.body}`).toBeGreaterThanOrEqual(400);
    expect(answer.status, `${what}: ${answer.body}`).toBeLessThan(500);
    expect(answer.headers, what).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
    expect(Value.Check(ErrorBody, JSON.parse(answer.body)), `${what}: ${answer.body}`).toBe(true);
  });
});
