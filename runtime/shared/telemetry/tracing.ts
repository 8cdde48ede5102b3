import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TracingOptions {
  /** `service.name` of every span: the platform contract's service name, or the Lambda's. */
  readonly service: string;
  /**
   * OTLP/HTTP base URL of the collector; the SDK's `/v1/traces` is appended. Without one, spans are
   * still created, so trace ids reach the logs and the headers, but none leaves the process.
   * @default - OTEL_EXPORTER_OTLP_ENDPOINT
   */
  readonly endpoint?: string;
  /** Where spans go instead of the OTLP exporter (tests hand an in-memory exporter). @default - none */
  readonly spanProcessors?: readonly SpanProcessor[];
}

export interface Tracing {
  /** Sends the spans ended so far (a Lambda, before its container is frozen). */
  forceFlush(): Promise<void>;
  /** Sends what is buffered and stops; the last step of a graceful shutdown. */
  shutdown(): Promise<void>;
}

/**
 * The process-wide tracer provider: W3C trace context in and out, the active span carried through
 * async calls by AsyncLocalStorage (the provider's default context manager), and outgoing undici
 * requests traced through undici's diagnostics channels. Nothing here patches modules: the images are
 * esbuild ESM bundles, where require/import hooks never see a module load (docs/adr/0012-tracing.md).
 * Sampling is the SDK's default, parent-based always-on, which OTEL_TRACES_SAMPLER(_ARG) can change.
 * Call once per process, before serving.
 */
export function startTracing(options: TracingOptions): Tracing {
  const endpoint = options.endpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (endpoint) processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` })));
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.service }),
    spanProcessors: processors,
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const disableInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    // Only calls made on behalf of a traced unit of work: readiness probes of the upstreams would be a root trace each.
    instrumentations: [new UndiciInstrumentation({ requireParentforSpans: true })],
  });
  return {
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      disableInstrumentations();
      await provider.shutdown();
    },
  };
}
