import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Link, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startOtelCollector } from '../../../runtime/local/otel-collector';

/*
 * Records test/runtime/local/trace-sample.jsonl, the input of trace-tree.test.ts: spans of the shape
 * the services make, sent by the OTLP/HTTP protobuf exporter the services use to the real collector
 * of runtime/local/otel-collector.ts, and the collector's file as it wrote it.
 * Run `npx tsx test/runtime/local/record-trace-sample.ts` after a change of the collector or the SDK.
 *
 * Three orders, with fixed times so the tests can name durations:
 *   sample-order   the whole path, the notifications consumer a child of the outbox's PRODUCER span
 *   sample-linked  the consumer in a trace of its own, linked to the PRODUCER span
 *   sample-failed  products fails the reservation: ERROR status on its span and the callers'
 */

const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const SERVICES = ['gateway', 'users', 'products', 'orders', 'notifications'] as const;
type Service = (typeof SERVICES)[number];

async function record(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trace-sample-'));
  const collector = await startOtelCollector({ tracesFile: join(dir, 'traces.jsonl'), configFile: join(dir, 'collector.yaml'), logFile: join(dir, 'collector.log') });
  const exporter = new OTLPTraceExporter({ url: `${collector.endpoint}/v1/traces` });
  const providers = Object.fromEntries(
    SERVICES.map((service) => [service, new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] })]),
  ) as Record<Service, BasicTracerProvider>;
  try {
    order('sample-order', 0, 'child');
    order('sample-linked', 1000, 'link');
    order('sample-failed', 2000, 'failed');
    for (const provider of Object.values(providers)) await provider.forceFlush();
  } finally {
    for (const provider of Object.values(providers)) await provider.shutdown();
    await collector.stop();
  }
  const text = await readFile(collector.tracesFile, 'utf8');
  await rm(dir, { recursive: true, force: true });
  return text;

  /** A span of `service` from `start` to `end` ms after T0 + offset, under `parent`. */
  function span(service: Service, name: string, kind: SpanKind, times: [number, number], parent: Context, extra: { attributes?: Record<string, string | number>; links?: Link[] } = {}): [Span, Context] {
    const started = providers[service].getTracer('shop').startSpan(name, { kind, startTime: T0 + times[0], attributes: extra.attributes, links: extra.links }, parent);
    return [started, trace.setSpan(ROOT_CONTEXT, started)];
  }

  function order(requestId: string, offset: number, consumer: 'child' | 'link' | 'failed'): void {
    const at = (start: number, end: number): [number, number] => [offset + start, offset + end];
    const ended: [Span, number][] = [];
    const finish = (started: Span, end: number, error?: string) => {
      if (error) started.setStatus({ code: SpanStatusCode.ERROR, message: error });
      ended.push([started, end]);
    };
    const [request, gateway] = span('gateway', 'POST /api/orders', SpanKind.SERVER, at(0, 48.5), ROOT_CONTEXT, { attributes: { 'shop.request_id': requestId, 'http.request.method': 'POST' } });
    const [call, gatewayCall] = span('gateway', 'POST', SpanKind.CLIENT, at(1.5, 47), gateway);
    const [ordersRequest, orders] = span('orders', 'POST /orders', SpanKind.SERVER, at(2, 46), gatewayCall);
    const [usersCall, usersCallContext] = span('orders', 'GET', SpanKind.CLIENT, at(3, 9), orders);
    const [usersRequest] = span('users', 'GET /users/:id', SpanKind.SERVER, at(4, 8), usersCallContext);
    finish(usersRequest, 8);
    finish(usersCall, 9);
    const [productsCall, productsCallContext] = span('orders', 'POST', SpanKind.CLIENT, at(10, 30), orders);
    const [reservation] = span('products', 'POST /reservations', SpanKind.SERVER, at(11, 29), productsCallContext);
    if (consumer === 'failed') {
      finish(reservation, 29, 'insufficient stock');
      finish(productsCall, 30, 'insufficient stock');
      finish(ordersRequest, 46, 'insufficient stock');
    } else {
      finish(reservation, 29);
      finish(productsCall, 30);
      finish(ordersRequest, 46);
      const [publish, published] = span('orders', 'orders publish', SpanKind.PRODUCER, at(120, 135), orders, { attributes: { 'messaging.destination.name': 'orders' } });
      finish(publish, 135);
      const links = consumer === 'link' ? [{ context: publish.spanContext() }] : [];
      const [consume, consumed] = span('notifications', 'orders process', SpanKind.CONSUMER, at(140, 190), consumer === 'link' ? ROOT_CONTEXT : published, { links });
      const [send] = span('notifications', 'notification send', SpanKind.CLIENT, at(150, 185), consumed, { attributes: { 'shop.notification.channel': 'smtp' } });
      finish(send, 185);
      finish(consume, 190);
    }
    finish(call, 47, consumer === 'failed' ? 'insufficient stock' : undefined);
    finish(request, 48.5);
    for (const [started, end] of ended) started.end(T0 + offset + end);
  }
}

await writeFile(new URL('./trace-sample.jsonl', import.meta.url), await record());
