import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrderConfirmations } from '../../../runtime/notifications/src/order-confirmations';
import { createOutboxRelay } from '../../../runtime/orders/src/outbox-relay';
import { createDynamoMetrics, instrumentDynamo } from '../../../runtime/shared/dynamo';
import { createServiceClient } from '../../../runtime/shared/http/service-client';
import { createEventPublisher } from '../../../runtime/shared/kafka/event-publisher';
import { createServiceApp, serviceLoggerOptions } from '../../../runtime/shared/server';
import { createSqlMetrics, DuplicateKeyError, instrumentSql, type ExecuteResult, type SqlClient, type SqlExecutor } from '../../../runtime/shared/sql';
import { contextFromHeaders, inSpan, traceHeaders } from '../../../runtime/shared/telemetry/spans';
import { startTracing, type Tracing } from '../../../runtime/shared/telemetry/tracing';
import { startShopBehindGateway, type ShopBehindGateway } from '../gateway/shop-behind-gateway';
import { sample } from './metric-sample';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(() => {
  // No endpoint: the spans only go to the in-memory exporter.
  tracing = startTracing({ service: 'tracing-test', endpoint: '', spanProcessors: [new SimpleSpanProcessor(exporter)] });
});
afterAll(async () => {
  await tracing.shutdown();
  trace.disable();
  context.disable();
});
afterEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const named = (name: string) => {
  const found = spans().filter((span) => span.name === name);
  expect(found.map((span) => span.name), `spans named ${name} among ${spans().map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
/** The spans from `span` up to the root, by parent id. */
function ancestry(span: ReadableSpan): ReadableSpan[] {
  const byId = new Map(spans().map((s) => [s.spanContext().spanId, s]));
  const chain = [span];
  for (let at = byId.get(parentOf(span) ?? ''); at; at = byId.get(parentOf(at) ?? '')) chain.push(at);
  return chain;
}

/** Spans end when their work settles; an HTTP server span may end a moment after the client has its answer. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('traces across HTTP', () => {
  let shop: ShopBehindGateway;
  beforeAll(async () => {
    shop = await startShopBehindGateway();
  });
  afterAll(async () => shop.close());

  it('makes a gateway request and the service it calls one trace: server span, undici client span, service server span', async () => {
    const id = '0f5a6f36-6f0e-4b5c-9d3b-2a1e4c7d8e90';
    shop.productsTable.items.set(id, { id, entity: 'product', name: 'Lamp', priceCents: 1200, currency: 'EUR', stock: 3, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
    const gateway = shop.gateway();
    const response = await gateway.inject({ method: 'GET', url: `/api/products/${id}`, headers: { 'x-request-id': 'req-trace-1' } });
    await gateway.close();
    await settled();

    expect(response.statusCode).toBe(200);
    const gatewaySpan = named('GET /api/products/:id');
    const productsSpan = named('GET /products/:id');
    const client = spans().find((span) => span.kind === SpanKind.CLIENT && span.attributes['url.full'] !== undefined)!;
    expect(gatewaySpan.kind).toBe(SpanKind.SERVER);
    expect(gatewaySpan.attributes['shop.request_id']).toBe('req-trace-1');
    expect(gatewaySpan.parentSpanContext).toBeUndefined();
    expect(client.attributes['url.full']).toMatch(new RegExp(`/products/${id}$`));
    expect(productsSpan.kind).toBe(SpanKind.SERVER);
    expect(parentOf(productsSpan)).toBe(client.spanContext().spanId);
    // The client span belongs to the gateway's request (its route handler's span, under the server span).
    expect(ancestry(client).at(-1)).toBe(gatewaySpan);
    expect(new Set(spans().map((span) => span.spanContext().traceId))).toEqual(new Set([gatewaySpan.spanContext().traceId]));
    // The request id travelled with the trace context: the service's span carries the same id.
    expect(productsSpan.attributes['shop.request_id']).toBe('req-trace-1');
  });

  it('sends the active context with the calls of the service client', async () => {
    const users = createServiceApp({ service: 'users', logger: false });
    users.get('/users/:id', async () => ({ ok: true }));
    await users.listen({ port: 0, host: '127.0.0.1' });
    const client = createServiceClient({ caller: 'orders', name: 'users', baseUrl: `http://127.0.0.1:${(users.server.address() as AddressInfo).port}` });
    try {
      await inSpan('place order', { kind: SpanKind.INTERNAL }, () => client.request({ method: 'GET', path: '/users/u-1' }));
      await settled();
    } finally {
      await client.close();
      await users.close();
    }
    const root = named('place order');
    const server = named('GET /users/:id');
    expect(ancestry(server).map((span) => span.name)).toEqual(['GET /users/:id', 'GET', 'place order']);
    expect(ancestry(server).at(-1)).toBe(root);
  });

  it('leaves probes and scrapes untraced', async () => {
    const app = createServiceApp({ service: 'users', logger: false });
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/metrics?x=1' });
    await app.close();
    expect(spans()).toEqual([]);
  });
});

describe('trace context through Kafka headers', () => {
  it("publishes each event in a PRODUCER span under the event's stored context and hands that span on in the headers", async () => {
    const sent: { topic: string; messages: { headers: Record<string, string> }[] }[] = [];
    const kafka = {
      producer: () => ({ connect: async () => undefined, disconnect: async () => undefined, sendBatch: async ({ topicMessages }: { topicMessages: typeof sent }) => void sent.push(...topicMessages) }),
    } as unknown as Parameters<typeof createEventPublisher>[0];
    const publisher = createEventPublisher(kafka);
    // What the orders service stored with the outbox row while placing the order.
    const stored = await inSpan('POST /orders', { kind: SpanKind.SERVER }, async () => JSON.stringify(traceHeaders()));
    const order = named('POST /orders');

    await publisher.publish([{ topic: 'orders', key: 'o-1', value: '{}', headers: { 'event-id': 'e-1' }, traceContext: contextFromHeaders(JSON.parse(stored)) }]);

    const producer = named('orders publish');
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(producer)).toBe(order.spanContext().spanId);
    expect(producer.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': 'orders', 'messaging.message.id': 'e-1', 'messaging.kafka.message.key': 'o-1' });
    const headers = sent[0]!.messages[0]!.headers;
    expect(headers['event-id']).toBe('e-1');
    expect(headers.traceparent).toBe(`00-${order.spanContext().traceId}-${producer.spanContext().spanId}-01`);

    // The consumer reads the headers as KafkaJS delivers them: buffers.
    const received = contextFromHeaders(Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value)])));
    await inSpan('orders process', { kind: SpanKind.CONSUMER, parent: received }, async () => undefined);
    expect(parentOf(named('orders process'))).toBe(producer.spanContext().spanId);
    expect(named('orders process').spanContext().traceId).toBe(order.spanContext().traceId);
  });

  it("has the outbox relay publish each row's event under the context stored with the row", async () => {
    const sent: { messages: { key: string; headers: Record<string, string> }[] }[] = [];
    const kafka = {
      producer: () => ({ connect: async () => undefined, disconnect: async () => undefined, sendBatch: async ({ topicMessages }: { topicMessages: typeof sent }) => void sent.push(...topicMessages) }),
    } as unknown as Parameters<typeof createEventPublisher>[0];
    const stored = await inSpan('POST /orders', { kind: SpanKind.SERVER }, async () => JSON.stringify(traceHeaders()));
    const rows = [
      { id: 1, event_id: 'e-1', topic: 'orders', message_key: 'o-1', payload: '{"type":"OrderPlaced"}', trace_context: stored },
      { id: 2, event_id: 'e-2', topic: 'orders', message_key: 'o-2', payload: '{"type":"OrderPlaced"}', trace_context: null },
    ];
    let published = false;
    const tx: SqlExecutor = {
      query: async <Row extends object>(statement: string) => (published ? [] : statement.includes('FOR UPDATE') ? rows : rows.map(({ id }) => ({ id }))) as Row[],
      execute: async () => ((published = true), { affectedRows: rows.length }),
    };
    const sql = { ...tx, transaction: (work: (executor: SqlExecutor) => Promise<unknown>) => work(tx) } as unknown as SqlClient;
    const relay = createOutboxRelay({ sql, publisher: createEventPublisher(kafka), log: { info: () => undefined, warn: () => undefined }, pollIntervalMs: 5 });
    relay.start();
    await vi.waitFor(() => expect(published).toBe(true));
    await relay.stop();

    const order = named('POST /orders');
    const [traced, untraced] = spans().filter((span) => span.name === 'orders publish');
    expect(parentOf(traced!)).toBe(order.spanContext().spanId);
    expect(traced!.spanContext().traceId).toBe(order.spanContext().traceId);
    // A row written outside a trace starts one of its own.
    expect(untraced!.parentSpanContext).toBeUndefined();
    expect(sent[0]!.messages.map((message) => message.headers.traceparent)).toEqual([
      `00-${order.spanContext().traceId}-${traced!.spanContext().spanId}-01`,
      `00-${untraced!.spanContext().traceId}-${untraced!.spanContext().spanId}-01`,
    ]);
  });

  it('sends the confirmation in a `notification send` span under the consumer span', async () => {
    const confirmations = createOrderConfirmations({
      users: { getUser: async (id) => ({ id, email: 'ada@example.com', name: 'Ada' }) },
      channel: { name: 'log', send: async () => undefined },
      store: { claim: async () => true, markSent: async () => undefined, releaseClaim: async () => undefined },
      log: { info: () => undefined, error: () => undefined },
    });
    const event = {
      eventId: 'e-9',
      type: 'OrderPlaced' as const,
      version: 1 as const,
      occurredAt: new Date().toISOString(),
      payload: { orderId: 'o-9', userId: 'u-9', items: [{ productId: 'p', quantity: 1, unitPriceCents: 100 }], totalCents: 100, currency: 'EUR' },
    };
    await inSpan('orders process', { kind: SpanKind.CONSUMER }, () => confirmations.handle(event));
    const send = named('notification send');
    expect(parentOf(send)).toBe(named('orders process').spanContext().spanId);
    expect(send.attributes).toMatchObject({ 'shop.notification.channel': 'log', 'shop.order_id': 'o-9', 'shop.event_id': 'e-9' });
  });

  it('marks the producer spans failed when the brokers refuse the batch', async () => {
    const kafka = {
      producer: () => ({ connect: async () => undefined, disconnect: async () => undefined, sendBatch: async () => Promise.reject(new Error('no brokers')) }),
    } as unknown as Parameters<typeof createEventPublisher>[0];
    await expect(createEventPublisher(kafka).publish([{ topic: 'orders', key: 'o-2', value: '{}', headers: {} }])).rejects.toThrow('no brokers');
    expect(named('orders publish').status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'no brokers' });
  });
});

/** A SqlClient that answers every statement, except those `fail` names. */
function scriptedSql(fail: (sql: string) => Error | undefined = () => undefined): SqlClient {
  const executor: SqlExecutor = {
    async query<Row extends object>(sql: string) {
      const error = fail(sql);
      if (error) throw error;
      return [] as Row[];
    },
    async execute(sql: string): Promise<ExecuteResult> {
      const error = fail(sql);
      if (error) throw error;
      return { affectedRows: 1 };
    },
  };
  return { ...executor, transaction: (work) => work(executor), ping: async () => undefined, close: async () => undefined };
}

describe('SQL spans and metrics', () => {
  it('makes each statement a CLIENT span with db.* attributes, children of their transaction, and counts them', async () => {
    const metrics = createSqlMetrics();
    const registry = new Registry();
    metrics.registerMetrics(registry);
    const sql = instrumentSql(
      scriptedSql((statement) => (statement.startsWith('SELECT nope') ? new Error('no such table') : statement.startsWith('INSERT INTO claims') ? new DuplicateKeyError('PRIMARY', 'dup') : undefined)),
      { database: 'shop', metrics },
    );

    await inSpan('POST /orders', { kind: SpanKind.SERVER }, async () => {
      await sql.transaction(async (tx) => {
        await tx.execute('INSERT INTO outbox (event_id) VALUES (:id)', { id: 'e-1' });
        await tx.query('SELECT id FROM outbox WHERE id = :id', { id: 1 });
      });
      await expect(sql.query('SELECT nope FROM missing')).rejects.toThrow('no such table');
      await expect(sql.execute('INSERT INTO claims (id) VALUES (1)')).rejects.toThrow(DuplicateKeyError);
    });

    const transaction = named('TRANSACTION');
    const insert = named('INSERT outbox');
    expect(parentOf(transaction)).toBe(named('POST /orders').spanContext().spanId);
    expect(parentOf(insert)).toBe(transaction.spanContext().spanId);
    expect(parentOf(named('SELECT outbox'))).toBe(transaction.spanContext().spanId);
    expect(insert.kind).toBe(SpanKind.CLIENT);
    expect(insert.attributes).toEqual({
      'db.system.name': 'mysql',
      'db.namespace': 'shop',
      'db.operation.name': 'INSERT',
      'db.collection.name': 'outbox',
      'db.query.text': 'INSERT INTO outbox (event_id) VALUES (:id)',
    });
    expect(named('SELECT missing').status.code).toBe(SpanStatusCode.ERROR);
    // A duplicate key is the answer a claim asks for, not a failed statement.
    expect(named('INSERT claims').status.code).toBe(SpanStatusCode.UNSET);

    expect(await sample(registry, 'sql_query_duration_seconds_count', { operation: 'insert', outcome: 'ok' })).toBe(2);
    expect(await sample(registry, 'sql_query_duration_seconds_count', { operation: 'select', outcome: 'ok' })).toBe(1);
    expect(await sample(registry, 'sql_query_duration_seconds_count', { operation: 'transaction', outcome: 'ok' })).toBe(1);
    expect(await sample(registry, 'sql_query_duration_seconds_count', { operation: 'select', outcome: 'error' })).toBe(1);
    expect(await sample(registry, 'sql_query_errors_total', { operation: 'select' })).toBe(1);
    expect(await sample(registry, 'sql_query_errors_total', { operation: 'insert' })).toBeUndefined();
  });

  it('makes no span outside a trace (background polling) but still measures', async () => {
    const metrics = createSqlMetrics();
    const registry = new Registry();
    metrics.registerMetrics(registry);
    await instrumentSql(scriptedSql(), { database: 'shop', metrics }).query('SELECT id FROM outbox');
    expect(spans()).toEqual([]);
    expect(await sample(registry, 'sql_query_duration_seconds_count', { operation: 'select', outcome: 'ok' })).toBe(1);
  });
});

describe('DynamoDB spans and metrics', () => {
  // A stand-in for the DynamoDB endpoint, so the real SDK client and its middleware stack do the work.
  let server: Server;
  let answer: { status: number; body: object } = { status: 200, body: {} };
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer.body)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = (metrics: ReturnType<typeof createDynamoMetrics>) => {
    const dynamo = new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    instrumentDynamo(dynamo, metrics);
    return dynamo;
  };

  it('makes each call a CLIENT span named after the operation and measures it by outcome, throttling apart', async () => {
    const metrics = createDynamoMetrics();
    const registry = new Registry();
    metrics.registerMetrics(registry);
    const dynamo = client(metrics);
    await inSpan('GET /products/:id', { kind: SpanKind.SERVER }, async () => {
      answer = { status: 200, body: {} };
      await dynamo.send(new GetItemCommand({ TableName: 'products', Key: { id: { S: 'p-1' } } }));
      answer = { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'slow down' } };
      await expect(dynamo.send(new GetItemCommand({ TableName: 'products', Key: { id: { S: 'p-1' } } }))).rejects.toThrow('slow down');
    });
    dynamo.destroy();

    const calls = spans().filter((span) => span.name === 'DynamoDB.GetItem');
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(parentOf(call)).toBe(named('GET /products/:id').spanContext().spanId);
    expect(calls[0]!.kind).toBe(SpanKind.CLIENT);
    expect(calls[0]!.attributes).toMatchObject({ 'db.system.name': 'aws.dynamodb', 'rpc.method': 'GetItem', 'aws.dynamodb.table_names': ['products'] });
    expect(calls.map((call) => call.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
    expect(await sample(registry, 'dynamodb_request_duration_seconds_count', { operation: 'GetItem', outcome: 'ok' })).toBe(1);
    expect(await sample(registry, 'dynamodb_request_duration_seconds_count', { operation: 'GetItem', outcome: 'throttled' })).toBe(1);
    expect(await sample(registry, 'dynamodb_throttled_requests_total', { operation: 'GetItem' })).toBe(1);
  });
});

describe('trace ids in log lines', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    return { lines, stream };
  };

  it("writes the request span's trace id on the lines of a request, the completion line included", async () => {
    const { lines, stream } = capture();
    const app = createServiceApp({ service: 'users', logger: { ...serviceLoggerOptions('users'), stream } });
    app.get('/users/:id', async (request) => {
      request.log.info('looking the user up');
      return { ok: true };
    });
    await app.inject({ method: 'GET', url: '/users/u-1' });
    await app.close();
    const server = named('GET /users/:id');
    const requestLines = lines.filter((line) => line.msg === 'looking the user up' || line.msg === 'request completed');
    expect(requestLines).toHaveLength(2);
    for (const line of requestLines) expect(line).toMatchObject({ service: 'users', traceId: server.spanContext().traceId });
  });

  it('writes traceId and spanId on background lines inside a span, and neither outside one', async () => {
    const { lines, stream } = capture();
    const log = pino(serviceLoggerOptions('orders'), stream);
    log.info('outside');
    await inSpan('orders publish', { kind: SpanKind.PRODUCER }, async () => log.info('inside'));
    const span = named('orders publish');
    expect(lines.find((line) => line.msg === 'inside')).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    expect(lines.find((line) => line.msg === 'outside')).not.toHaveProperty('traceId');
  });
});
