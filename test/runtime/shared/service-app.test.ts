import { Type } from '@sinclair/typebox';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, DependencyUnavailableError } from '../../../runtime/shared/errors';
import { createServiceApp, type ServiceApp } from '../../../runtime/shared/server';

function buildTestApp(readiness: Record<string, () => Promise<unknown>> = {}): ServiceApp {
  const app = createServiceApp({ service: 'test', logger: false, readiness, bodyLimit: 1024 });
  app.post(
    '/things',
    { schema: { body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Integer({ minimum: 1, maximum: 10 }) }, { additionalProperties: false }) } },
    async (request, reply) => reply.status(201).send({ name: request.body.name }),
  );
  app.get(
    '/count',
    { schema: { querystring: Type.Object({ n: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }) } },
    async (request) => ({ n: request.query.n }),
  );
  app.get('/conflict', async () => {
    throw new ConflictError('THING_TAKEN', 'that thing is taken');
  });
  app.get('/down', async () => {
    throw new DependencyUnavailableError('database');
  });
  app.get('/boom', async () => {
    throw new Error('secret internals: password=hunter2');
  });
  return app;
}

let app: ServiceApp;
afterEach(async () => app?.close());

describe('createServiceApp', () => {
  it('echoes a caller x-request-id and generates one otherwise', async () => {
    app = buildTestApp();
    const echoed = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const generated = await app.inject({ method: 'GET', url: '/healthz' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with a JSON 404 in the shared shape', async () => {
    app = buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'no route for GET /nope' } });
  });

  it.each([
    ['a missing field', { count: 1 }, 'body.name'],
    ['a wrong type', { name: 'x', count: 'many' }, 'body.count'],
    ['an out-of-range number', { name: 'x', count: 11 }, 'body.count'],
    ['an unknown field', { name: 'x', count: 1, admin: true }, 'admin'],
  ])('rejects %s with 400 naming the field', async (_case, body, field) => {
    app = buildTestApp();
    const response = await app.inject({ method: 'POST', url: '/things', payload: body });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
    expect(response.json().error.message).toContain(field);
  });

  it('rejects malformed JSON, an empty JSON body and an oversized body', async () => {
    app = buildTestApp();
    const headers = { 'content-type': 'application/json' };
    const malformed = await app.inject({ method: 'POST', url: '/things', headers, payload: '{"name":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('MALFORMED_JSON');
    const empty = await app.inject({ method: 'POST', url: '/things', headers, payload: '' });
    expect(empty.statusCode).toBe(400);
    const huge = await app.inject({ method: 'POST', url: '/things', headers, payload: JSON.stringify({ name: 'x'.repeat(5000), count: 1 }) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('maps domain errors to their status and hides 5xx internals', async () => {
    app = buildTestApp();
    expect((await app.inject('/conflict')).json()).toEqual({ error: { code: 'THING_TAKEN', message: 'that thing is taken' } });
    const down = await app.inject('/down');
    expect(down.statusCode).toBe(503);
    expect(down.json().error.code).toBe('DEPENDENCY_UNAVAILABLE');
    const boom = await app.inject('/boom');
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain('hunter2');
  });

  it('reports readiness per dependency and 503 when one fails', async () => {
    app = buildTestApp({ database: async () => undefined, broker: async () => Promise.reject(new Error('connection refused')) });
    const response = await app.inject('/readyz');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'not_ready', checks: { database: 'ok', broker: 'connection refused' } });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('when draining, fails readiness but still serves, asking keep-alive clients to reconnect elsewhere', async () => {
    app = buildTestApp({ database: async () => undefined });
    const before = await app.inject('/count?n=1');
    expect(before.headers.connection).not.toBe('close');
    expect((await app.inject('/readyz')).statusCode).toBe(200);

    app.startDraining();

    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'shutting_down', checks: { database: 'ok' } });
    const served = await app.inject('/count?n=2');
    expect(served.statusCode).toBe(200);
    expect(served.json()).toEqual({ n: 2 });
    expect(served.headers.connection).toBe('close');
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('serves a request that arrives on an open connection while it closes', async () => {
    app = buildTestApp();
    let finishSlow!: () => void;
    app.get('/slow', async () => {
      await new Promise<void>((resolve) => (finishSlow = resolve));
      return { slow: true };
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    // Two requests down one connection: the second is sent after closing began.
    const client = new Client(url, { pipelining: 2 });
    try {
      const slow = client.request({ method: 'GET', path: '/slow' });
      await expect.poll(() => finishSlow).toBeTypeOf('function');
      const closing = app.close();
      const late = client.request({ method: 'GET', path: '/count?n=3' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      finishSlow();
      const [slowAnswer, lateAnswer] = await Promise.all([slow, late]);
      expect(slowAnswer.statusCode).toBe(200);
      await slowAnswer.body.dump();
      expect(lateAnswer.statusCode).toBe(200);
      expect(await lateAnswer.body.json()).toEqual({ n: 3 });
      await closing;
    } finally {
      await client.close();
    }
  });

  it('counts requests by route pattern in Prometheus format', async () => {
    app = buildTestApp();
    await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', count: 1 } });
    await app.inject({ method: 'POST', url: '/things', payload: {} });
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/things"[^}]*status_code="201"[^}]*\} 1/);
    expect(metrics).toMatch(/http_request_errors_total\{[^}]*route="\/things"[^}]*status_code="400"[^}]*\} 1/);
    expect(metrics).toContain('http_request_duration_seconds_bucket');
  });

  it('sets the level of its default logger from logLevel', async () => {
    app = createServiceApp({ service: 'test', logLevel: 'warn' });
    expect(app.log.level).toBe('warn');
  });

  it('coerces query strings but rejects a JSON body value of the wrong type', async () => {
    app = buildTestApp();
    expect((await app.inject('/count?n=3')).json()).toEqual({ n: 3 });
    for (const payload of [{ name: 'x', count: '3' }, { name: 'x', count: true }, { name: 7, count: 3 }]) {
      const response = await app.inject({ method: 'POST', url: '/things', payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_FAILED');
    }
  });
});
