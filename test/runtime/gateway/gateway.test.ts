import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayDeps } from '../../../runtime/gateway/src/app';
import { LatestWindows } from '../../../runtime/gateway/src/analytics/latest-windows';
import { UPSTREAMS as SERVICES, type UpstreamName as Service } from '../../../runtime/gateway/src/public-routes';
import type { ServiceApp } from '../../../runtime/shared/server';
import { createTestIssuer, type TestIssuer } from './test-issuer';
import { deadUrl, gatewayInFrontOf, startServiceStubs, type UpstreamStub } from './upstream-stub';

let stubs: Record<Service, UpstreamStub>;
let gateway: ServiceApp | undefined;
let issuer: TestIssuer;
/** An administrator's bearer header: passes every route's access rule (authentication.test.ts tests the rules). */
let admin: { authorization: string };

beforeAll(async () => {
  issuer = await createTestIssuer();
  admin = await issuer.admin();
  stubs = await startServiceStubs();
});
afterAll(async () => Promise.all(SERVICES.map((name) => stubs[name].close())));
beforeEach(() => {
  for (const name of SERVICES) {
    stubs[name].received.length = 0;
    stubs[name].behave((request) => ({ method: request.method, url: request.url }));
  }
});
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

function startGateway(overrides: Partial<GatewayDeps> = {}): ServiceApp {
  gateway = gatewayInFrontOf(stubs, issuer.verifier, overrides);
  return gateway;
}

const json = () => ({ 'content-type': 'application/json', ...admin });

describe('routing', () => {
  // The public API table of DESIGN.md, written out here rather than read from the gateway's own table.
  it.each([
    ['POST', '/api/users', 'users', '/users'],
    ['GET', '/api/users?limit=5&cursor=abc', 'users', '/users?limit=5&cursor=abc'],
    ['GET', '/api/users/u-1', 'users', '/users/u-1'],
    ['PATCH', '/api/users/u-1', 'users', '/users/u-1'],
    ['DELETE', '/api/users/u-1', 'users', '/users/u-1'],
    ['POST', '/api/products', 'products', '/products'],
    ['GET', '/api/products?limit=2', 'products', '/products?limit=2'],
    ['GET', '/api/products/p-1', 'products', '/products/p-1'],
    ['PATCH', '/api/products/p-1', 'products', '/products/p-1'],
    ['DELETE', '/api/products/p-1', 'products', '/products/p-1'],
    ['POST', '/api/orders', 'orders', '/orders'],
    ['GET', '/api/orders/o-1', 'orders', '/orders/o-1'],
    ['GET', '/api/orders?userId=u-1&limit=3&cursor=x', 'orders', '/orders?userId=u-1&limit=3&cursor=x'],
    ['GET', '/api/notifications?orderId=o-1', 'notifications', '/notifications?orderId=o-1'],
  ] as const)('%s %s goes to %s as %s', async (method, url, service, upstreamUrl) => {
    const app = startGateway();
    const hasBody = method === 'POST' || method === 'PATCH';
    const response = await app.inject({ method, url, headers: hasBody ? json() : admin, ...(hasBody ? { payload: '{"a":1}' } : {}) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ method, url: upstreamUrl });
    for (const other of SERVICES) expect(stubs[other].received).toHaveLength(other === service ? 1 : 0);
  });

  it('relays status, body and headers of the answer, and maps Location to the public path', async () => {
    stubs.orders.behave((_request, reply) =>
      reply.code(201).header('location', '/orders/o-9').header('idempotent-replayed', 'true').header('x-internal', 'secret').send({ id: 'o-9' }),
    );
    const response = await startGateway().inject({ method: 'POST', url: '/api/orders', headers: json(), payload: '{}' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ id: 'o-9' });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers.location).toBe('/api/orders/o-9');
    expect(response.headers['idempotent-replayed']).toBe('true');
    expect(response.headers['x-internal']).toBeUndefined();
  });

  it('answers 204 without a body', async () => {
    stubs.users.behave((_request, reply) => reply.code(204).send());
    const response = await startGateway().inject({ method: 'DELETE', url: '/api/users/u-1', headers: admin });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
  });

  it('answers unknown routes with a JSON 404 in the shared shape, without calling anyone', async () => {
    const response = await startGateway().inject({ method: 'GET', url: '/api/payments/1', headers: admin });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'no route for GET /api/payments/1' } });
    for (const name of SERVICES) expect(stubs[name].received).toHaveLength(0);
  });
});

describe('headers and bodies', () => {
  it('sends the caller x-request-id to the upstream and echoes it', async () => {
    const response = await startGateway().inject({ method: 'GET', url: '/api/products/p-1', headers: { 'x-request-id': 'trace-abc-1' } });
    expect(response.headers['x-request-id']).toBe('trace-abc-1');
    expect(stubs.products.received[0]?.headers['x-request-id']).toBe('trace-abc-1');
  });

  it('sends its own request id when the caller has none, the same one it answers with', async () => {
    const response = await startGateway().inject({ method: 'GET', url: '/api/products/p-1' });
    const id = response.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(stubs.products.received[0]?.headers['x-request-id']).toBe(id);
  });

  it('forwards the idempotency key, the content type and the body bytes exactly as received', async () => {
    const payload = '{ "items" :\n  [{"productId":"p-1","quantity":2}] }';
    await startGateway().inject({
      method: 'POST',
      url: '/api/orders',
      headers: { 'content-type': 'application/json; charset=utf-8', 'idempotency-key': 'key-42', ...admin },
      payload,
    });
    const received = stubs.orders.received[0]!;
    expect(received.body).toBe(payload);
    expect(received.headers['idempotency-key']).toBe('key-42');
    expect(received.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(received.headers.authorization).toBeUndefined();
  });

  it('refuses malformed JSON with 400 in the shared shape before it reaches the upstream', async () => {
    const response = await startGateway().inject({ method: 'POST', url: '/api/users', headers: json(), payload: '{"email":' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('MALFORMED_JSON');
    expect(stubs.users.received).toHaveLength(0);
  });

  it('refuses a body over the limit with 413 before it reaches the upstream', async () => {
    const app = startGateway({ bodyLimit: 1024 });
    const response = await app.inject({ method: 'POST', url: '/api/products', headers: json(), payload: JSON.stringify({ name: 'x'.repeat(2000) }) });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(stubs.products.received).toHaveLength(0);
  });
});

describe('upstream failures', () => {
  it('passes an upstream 4xx through as it is, in the shared shape', async () => {
    const conflict = { error: { code: 'EMAIL_TAKEN', message: 'a@b.c is taken', details: { email: 'a@b.c' } } };
    stubs.users.behave((_request, reply) => reply.code(409).send(conflict));
    const response = await startGateway().inject({ method: 'POST', url: '/api/users', headers: json(), payload: '{"email":"a@b.c"}' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual(conflict);
  });

  it('answers 503 DEPENDENCY_UNAVAILABLE naming the upstream when it is down', async () => {
    const app = startGateway({ upstreamUrls: { users: stubs.users.url, products: stubs.products.url, orders: await deadUrl(), notifications: stubs.notifications.url } });
    const response = await app.inject({ method: 'GET', url: '/api/orders/o-1', headers: { 'x-request-id': 'down-1', ...admin } });
    expect(response.statusCode).toBe(503);
    expect(response.headers['x-request-id']).toBe('down-1');
    expect(response.json()).toEqual({
      error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'orders is unavailable (unreachable), retry later', details: { upstream: 'orders', reason: 'unreachable' } },
    });
  });

  it('answers 504 UPSTREAM_TIMEOUT when the upstream is slower than the route allows', async () => {
    // undici checks these timeouts on a ~0.5 s tick, so the upstream must be clearly slower than that.
    stubs.products.behave(async () => {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      return { late: true };
    });
    const response = await startGateway({ timeoutsMs: { read: 100 } }).inject({ method: 'GET', url: '/api/products/p-1' });
    expect(response.statusCode).toBe(504);
    expect(response.json().error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', details: { upstream: 'products' } });
    expect(stubs.products.received).toHaveLength(1);
  });

  it('retries a GET once when the connection breaks before an answer', async () => {
    stubs.products.behave((request, _reply, hit) => {
      if (hit === 1) request.raw.socket.destroy();
      return { hit };
    });
    const response = await startGateway().inject({ method: 'GET', url: '/api/products/p-1' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ hit: 2 });
    expect(stubs.products.received).toHaveLength(2);
  });

  it('retries a GET once on 503, and answers the second result', async () => {
    stubs.users.behave((_request, reply, hit) => (hit === 1 ? reply.code(503).send({ error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'db' } }) : { hit }));
    const response = await startGateway().inject({ method: 'GET', url: '/api/users/u-1', headers: admin });
    expect(response.json()).toEqual({ hit: 2 });
    expect(stubs.users.received).toHaveLength(2);
  });

  it('retries a GET at most once', async () => {
    stubs.products.behave((request) => request.raw.socket.destroy());
    const response = await startGateway().inject({ method: 'GET', url: '/api/products/p-1' });
    expect(response.statusCode).toBe(503);
    expect(stubs.products.received).toHaveLength(2);
  });

  it('retries a GET at most once, also when the retry itself breaks', async () => {
    stubs.products.behave((request, reply, hit) => (hit === 1 ? reply.code(503).send({ error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'db' } }) : request.raw.socket.destroy()));
    const response = await startGateway().inject({ method: 'GET', url: '/api/products/p-1' });
    expect(response.statusCode).toBe(503);
    expect(stubs.products.received).toHaveLength(2);
  });

  it('never retries a POST: the order might have been placed before the connection broke', async () => {
    stubs.orders.behave((request) => request.raw.socket.destroy());
    const response = await startGateway().inject({ method: 'POST', url: '/api/orders', headers: json(), payload: '{}' });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(stubs.orders.received).toHaveLength(1);
  });

  it('opens the circuit after repeated failures, answers fast without calling, and recovers through a probe', async () => {
    const app = startGateway({ breaker: { failureThreshold: 3, openMs: 300 } });
    stubs.products.behave((_request, reply) => reply.code(500).send({ error: { code: 'INTERNAL', message: 'boom' } }));
    for (let i = 0; i < 3; i++) expect((await app.inject('/api/products/p-1')).statusCode).toBe(500);

    const refused = await app.inject('/api/products/p-1');
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', details: { upstream: 'products', reason: 'circuit open' } });
    // What is left of the 300 ms the circuit stays open, in whole seconds rounded up.
    expect(refused.headers['retry-after']).toBe('1');
    expect(stubs.products.received).toHaveLength(3);
    expect((await app.inject('/metrics')).body).toMatch(/gateway_upstream_circuit_state\{[^}]*upstream="products"[^}]*\} 2/);
    // Other upstreams have their own circuit.
    expect((await app.inject({ url: '/api/users/u-1', headers: admin })).statusCode).toBe(200);

    stubs.products.behave(() => ({ healthy: true }));
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await app.inject('/api/products/p-1')).statusCode).toBe(200);
    expect((await app.inject('/api/products/p-1')).statusCode).toBe(200);
    expect(stubs.products.received).toHaveLength(5);
    expect((await app.inject('/metrics')).body).toMatch(/gateway_upstream_circuit_state\{[^}]*upstream="products"[^}]*\} 0/);
  });
});

describe('rate limiting', () => {
  it('answers 429 in the shared shape with Retry-After once a client exceeds the limit', async () => {
    const app = startGateway({ rateLimit: { max: 2, timeWindowMs: 60_000 } });
    expect((await app.inject('/api/products/p-1')).statusCode).toBe(200);
    expect((await app.inject('/api/products/p-1')).statusCode).toBe(200);
    const limited = await app.inject({ method: 'GET', url: '/api/products/p-1', headers: { 'x-request-id': 'rl-1' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.headers['x-request-id']).toBe('rl-1');
    expect(limited.json()).toEqual({ error: { code: 'RATE_LIMITED', message: 'rate limit of 2 requests exceeded, retry in 1 minute', details: { limit: 2 } } });
    expect(stubs.products.received).toHaveLength(2);
  });

  it('counts per client behind a trusted load balancer, and per connection otherwise', async () => {
    const behindBalancer = startGateway({ rateLimit: { max: 1, timeWindowMs: 60_000 }, trustedProxies: ['127.0.0.1/8'] });
    const from = (client: string) => behindBalancer.inject({ method: 'GET', url: '/api/products/p-1', headers: { 'x-forwarded-for': client } });
    expect((await from('203.0.113.1')).statusCode).toBe(200);
    expect((await from('203.0.113.2')).statusCode).toBe(200);
    expect((await from('203.0.113.1')).statusCode).toBe(429);
    expect(stubs.products.received[0]?.headers['x-forwarded-for']).toBe('203.0.113.1');
    await behindBalancer.close();

    const exposed = startGateway({ rateLimit: { max: 1, timeWindowMs: 60_000 } });
    const spoofed = (client: string) => exposed.inject({ method: 'GET', url: '/api/products/p-1', headers: { 'x-forwarded-for': client } });
    expect((await spoofed('203.0.113.1')).statusCode).toBe(200);
    expect((await spoofed('203.0.113.2')).statusCode).toBe(429);
  });

  it('keeps probes and metrics outside the limit', async () => {
    const app = startGateway({ rateLimit: { max: 1, timeWindowMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      expect((await app.inject('/healthz')).statusCode).toBe(200);
      expect((await app.inject('/metrics')).statusCode).toBe(200);
    }
  });
});

describe('operational endpoints', () => {
  it('is ready when every upstream answers /healthz, and names the one that does not', async () => {
    expect((await startGateway().inject('/readyz')).statusCode).toBe(200);
    await gateway!.close();
    const app = startGateway({ upstreamUrls: { users: stubs.users.url, products: stubs.products.url, orders: stubs.orders.url, notifications: await deadUrl() } });
    const response = await app.inject('/readyz');
    expect(response.statusCode).toBe(503);
    expect(response.json().checks).toMatchObject({ users: 'ok', products: 'ok', orders: 'ok' });
    expect(response.json().checks.notifications).not.toBe('ok');
  });

  it('exports upstream latency by outcome', async () => {
    const app = startGateway();
    await app.inject('/api/products/p-1');
    expect((await app.inject('/metrics')).body).toMatch(/gateway_upstream_request_duration_seconds_count\{[^}]*upstream="products"[^}]*outcome="2xx"[^}]*\} 1/);
  });
});

describe('analytics windows', () => {
  const window = (minute: number) => ({
    windowStart: `2026-11-27T12:0${minute}:00.000Z`,
    windowEnd: `2026-11-27T12:0${minute + 1}:00.000Z`,
    orderCount: 2,
    revenueCents: 5000,
    currency: 'EUR',
    averageOrderValueCents: 2500,
    topProducts: [{ productId: 'p-1', quantity: 3 }],
  });

  it('answers the newest windows from the store, up to the limit', async () => {
    const windows = new LatestWindows();
    for (const minute of [1, 2, 3]) windows.record(window(minute));
    const response = await startGateway({ windows }).inject({ url: '/api/analytics/windows?limit=2', headers: admin });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ items: [window(3), window(2)] });
  });

  it('rejects a limit out of range in the shared shape', async () => {
    const response = await startGateway().inject({ url: '/api/analytics/windows?limit=0', headers: admin });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });
});
