import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { parseSpanLines } from '../../runtime/local/trace-tree';
import { localBackends } from './backends';
import { eventually } from './orders-support';

const { env, otelCollector } = localBackends();

describe('the local OpenTelemetry Collector', () => {
  it('writes a span sent to OTEL_EXPORTER_OTLP_ENDPOINT to its file as an OTLP-JSON line', async () => {
    expect(otelCollector.endpoint).toBe(env.OTEL_EXPORTER_OTLP_ENDPOINT);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'collector-test' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` }))],
    });
    const marker = randomUUID();
    try {
      provider.getTracer('test').startSpan('probe', { kind: SpanKind.INTERNAL, attributes: { marker } }).end();
      await provider.forceFlush();
      const [span] = await eventually(
        async () => {
          const found = parseSpanLines(await readFile(otelCollector.tracesFile, 'utf8')).filter((candidate) => candidate.attributes.marker === marker);
          return found.length > 0 ? found : undefined;
        },
        `the span in ${otelCollector.tracesFile}`,
        5_000,
      );
      expect(span).toMatchObject({ service: 'collector-test', name: 'probe', kind: 'INTERNAL' });
    } finally {
      await provider.shutdown();
    }
  });
});
