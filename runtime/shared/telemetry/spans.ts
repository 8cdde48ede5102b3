import { context, INVALID_SPAN_CONTEXT, propagation, SpanStatusCode, trace, type Attributes, type Context, type Span, type SpanKind } from '@opentelemetry/api';

/** The tracer of the platform's own spans (SQL, DynamoDB, Kafka, notifications). */
export const tracer = trace.getTracer('shop');

export interface SpanOptions {
  readonly kind: SpanKind;
  readonly attributes?: Attributes;
  /** Parent instead of the active context (a Kafka message's, an outbox row's). @default - the active context */
  readonly parent?: Context;
  /**
   * Only inside a trace: without a parent, `work` runs without a span. For calls that background loops
   * make all the time (the outbox relay polls its table every second), which would each be a trace of one span.
   * @default false
   */
  readonly requireParent?: boolean;
  /** Errors that are answers rather than failures (a duplicate key, a failed condition): the span is not marked failed. @default - none */
  readonly isAnswer?: (error: unknown) => boolean;
}

/** Marks a span failed with the error, the way the SDK's instrumentations do. */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Runs `work` in a new active span, ended when it settles and marked failed when it throws. */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const { kind, attributes, parent = context.active(), isAnswer } = options;
  if (options.requireParent === true && trace.getSpan(parent) === undefined) return work(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  return tracer.startActiveSpan(name, { kind, attributes }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      if (isAnswer?.(error) !== true) recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The W3C trace context of `from` as headers (`traceparent`, `tracestate`); empty when nothing is traced. */
export function traceHeaders(from: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier;
}

/** The context `headers` carry (HTTP, Kafka, a stored carrier); header values may be Kafka's buffers. */
export function contextFromHeaders(headers: Readonly<Record<string, unknown>> | undefined): Context {
  return propagation.extract(context.active(), headers ?? {}, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => {
      const value = carrier[key];
      if (Buffer.isBuffer(value)) return value.toString('utf8');
      if (Array.isArray(value)) return value.map((item) => (Buffer.isBuffer(item) ? item.toString('utf8') : String(item)));
      return typeof value === 'string' ? value : undefined;
    },
  });
}

/** `traceId` and `spanId` of the active span, for log lines; none outside a trace. */
export function activeTraceFields(): { traceId?: string; spanId?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  // Without a tracer provider (tests), spans are no-ops with an all-zero id that would only mislead.
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}
