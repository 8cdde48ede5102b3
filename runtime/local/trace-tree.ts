import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/*
 * Reading the OpenTelemetry Collector's file exporter output (one OTLP-JSON ExportTraceServiceRequest
 * a line) into spans, finding a trace by its id or by the gateway's request id, and printing it as
 * a tree. Pure: `npm run trace` and the tests feed it the file's text.
 */

/**
 * Span attribute with the gateway's request id (`x-request-id`) on the services' SERVER spans; the
 * services' REQUEST_ID_ATTRIBUTE (runtime/shared/telemetry), not imported: that module loads the
 * Fastify instrumentation.
 */
export const REQUEST_ID_ATTRIBUTE = 'shop.request_id';

const KeyValue = Type.Object({ key: Type.String(), value: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });
// Protobuf's JSON mapping writes 64-bit integers as strings; some encoders write numbers.
const UnixNano = Type.Union([Type.String({ pattern: '^[0-9]+$' }), Type.Integer({ minimum: 0 })]);
const OtlpSpan = Type.Object({
  traceId: Type.String(),
  spanId: Type.String(),
  parentSpanId: Type.Optional(Type.String()),
  name: Type.String(),
  kind: Type.Optional(Type.Integer()),
  startTimeUnixNano: UnixNano,
  endTimeUnixNano: UnixNano,
  attributes: Type.Optional(Type.Array(KeyValue)),
  status: Type.Optional(Type.Object({ code: Type.Optional(Type.Integer()), message: Type.Optional(Type.String()) })),
  links: Type.Optional(Type.Array(Type.Object({ traceId: Type.String(), spanId: Type.String() }))),
});
const ExportTraceServiceRequest = Type.Object({
  resourceSpans: Type.Optional(
    Type.Array(
      Type.Object({
        resource: Type.Optional(Type.Object({ attributes: Type.Optional(Type.Array(KeyValue)) })),
        scopeSpans: Type.Optional(Type.Array(Type.Object({ spans: Type.Optional(Type.Array(OtlpSpan)) }))),
      }),
    ),
  ),
});

/** OTLP's SpanKind enum, by its number. */
const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export type SpanKindName = (typeof SPAN_KINDS)[number];
const STATUS_CODE_ERROR = 2;

export type AttributeValue = string | number | boolean;

export interface SpanLink {
  readonly traceId: string;
  readonly spanId: string;
}

export interface TraceSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Absent for a root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: SpanKindName;
  /** The resource's `service.name`. */
  readonly service: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** The status message of a span whose status is ERROR ('' without one); absent otherwise. */
  readonly error?: string;
  readonly links: readonly SpanLink[];
}

/**
 * The spans of every complete line. The last line counts only once its newline is written: the
 * collector may be in the middle of writing it.
 */
export function parseSpanLines(text: string): TraceSpan[] {
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch (error) {
      throw new Error(`line ${index + 1} is not JSON: ${(error as Error).message}`);
    }
    if (!Value.Check(ExportTraceServiceRequest, request)) {
      const [first] = Value.Errors(ExportTraceServiceRequest, request);
      throw new Error(`line ${index + 1} is not an OTLP-JSON trace export: ${first?.path ?? ''} ${first?.message ?? ''}`.trimEnd());
    }
    return spansOf(request);
  });
}

function spansOf(request: Static<typeof ExportTraceServiceRequest>): TraceSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? 'unknown_service');
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span): TraceSpan => {
        const error = span.status?.code === STATUS_CODE_ERROR ? (span.status.message ?? '') : undefined;
        return {
          traceId: span.traceId,
          spanId: span.spanId,
          ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
          name: span.name,
          kind: SPAN_KINDS[span.kind ?? 0] ?? 'UNSPECIFIED',
          service,
          startNs: BigInt(span.startTimeUnixNano),
          endNs: BigInt(span.endTimeUnixNano),
          attributes: attributesOf(span.attributes),
          ...(error === undefined ? {} : { error }),
          links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
        };
      }),
    );
  });
}

function attributesOf(keyValues: Static<typeof KeyValue>[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((keyValues ?? []).map(({ key, value }) => [key, attributeValue(value ?? {})]));
}

/** OTLP's AnyValue as a plain value; arrays, maps and bytes stay in their JSON form. */
function attributeValue(value: Record<string, unknown>): AttributeValue {
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  return JSON.stringify(value);
}

const TRACE_ID = /^[0-9a-f]{32}$/i;

/**
 * The trace a query names: a 32-hex trace id as such, anything else as the gateway's request id
 * (the `shop.request_id` attribute, which the services behind the gateway carry too). A client may
 * send the same request id twice: the latest request that started a trace wins. Undefined when no
 * span received so far matches.
 */
export function findTraceId(spans: readonly TraceSpan[], query: string): string | undefined {
  if (TRACE_ID.test(query)) {
    const traceId = query.toLowerCase();
    return spans.some((span) => span.traceId === traceId) ? traceId : undefined;
  }
  const tagged = spans.filter((span) => span.attributes[REQUEST_ID_ATTRIBUTE] === query);
  const latest = (candidates: readonly TraceSpan[]) => candidates.reduce<TraceSpan | undefined>((found, span) => (found === undefined || span.startNs > found.startNs ? span : found), undefined);
  return (latest(tagged.filter((span) => span.parentSpanId === undefined)) ?? latest(tagged))?.traceId;
}

/** How a span hangs under the one above it. */
export type Relation = 'root' | 'child' | 'link';

export interface TraceNode {
  readonly span: TraceSpan;
  readonly relation: Relation;
  /** Ordered by start time. */
  readonly children: readonly TraceNode[];
}

export interface TraceTree {
  readonly traceId: string;
  readonly roots: readonly TraceNode[];
  /** Every span in the tree, in no particular order. */
  readonly spans: readonly TraceSpan[];
  readonly startNs: bigint;
  readonly endNs: bigint;
}

const keyOf = (span: SpanLink) => `${span.traceId}/${span.spanId}`;
const parentKeyOf = (span: TraceSpan) => (span.parentSpanId === undefined ? undefined : keyOf({ traceId: span.traceId, spanId: span.parentSpanId }));

/**
 * The spans of one trace as a tree by parent, plus the spans of other traces that link into it (a
 * consumer may start a trace of its own linked to the producer's span) with their descendants. A
 * span hangs under its parent; without a parent in the tree, under the span it links to; else it is
 * a root (a parent that was never received leaves its children as roots too).
 */
export function buildTraceTree(allSpans: readonly TraceSpan[], traceId: string): TraceTree {
  const members = new Map<string, TraceSpan>();
  const add = (span: TraceSpan) => members.set(keyOf(span), span);
  for (const span of allSpans) if (span.traceId === traceId) add(span);
  // Linked spans and their descendants, until nothing new joins.
  for (let grew = true; grew; ) {
    grew = false;
    for (const span of allSpans) {
      if (members.has(keyOf(span))) continue;
      const parentKey = parentKeyOf(span);
      if ((parentKey !== undefined && members.has(parentKey)) || span.links.some((link) => members.has(keyOf(link)))) {
        add(span);
        grew = true;
      }
    }
  }
  const spans = [...members.values()];
  if (spans.length === 0) throw new Error(`no span of trace ${traceId}`);

  const children = new Map<string, { span: TraceSpan; relation: Relation }[]>();
  const roots: { span: TraceSpan; relation: Relation }[] = [];
  for (const span of spans) {
    const parentKey = parentKeyOf(span);
    const linked = span.links.find((link) => members.has(keyOf(link)));
    const [above, relation] = parentKey !== undefined && members.has(parentKey) ? [parentKey, 'child' as const] : linked ? [keyOf(linked), 'link' as const] : [undefined, 'root' as const];
    if (above === undefined) roots.push({ span, relation });
    else children.set(above, [...(children.get(above) ?? []), { span, relation }]);
  }
  const byStart = (a: { span: TraceSpan }, b: { span: TraceSpan }) => (a.span.startNs < b.span.startNs ? -1 : a.span.startNs > b.span.startNs ? 1 : 0);
  const node = ({ span, relation }: { span: TraceSpan; relation: Relation }): TraceNode => ({
    span,
    relation,
    children: [...(children.get(keyOf(span)) ?? [])].sort(byStart).map(node),
  });
  return {
    traceId,
    roots: roots.sort(byStart).map(node),
    spans,
    startNs: spans.reduce((min, span) => (span.startNs < min ? span.startNs : min), spans[0]!.startNs),
    endNs: spans.reduce((max, span) => (span.endNs > max ? span.endNs : max), spans[0]!.endNs),
  };
}

const milliseconds = (ns: bigint) => `${(Number(ns) / 1e6).toFixed(1)} ms`;

/**
 * The tree, a span a line: start offset from the trace's first span, duration, then indented by
 * parent the service, span name and kind; `↪` marks a span hung under the span it links to, and
 * failed spans end with their status message.
 */
export function formatTraceTree(tree: TraceTree): string {
  const bySpan = new Map(tree.spans.map((span) => [keyOf(span), span]));
  const rows: [string, string, string][] = [];
  const visit = (node: TraceNode, depth: number) => {
    const { span } = node;
    const links = span.links.map((link) => {
      const target = bySpan.get(keyOf(link));
      return target ? `linked to ${target.service} "${target.name}"` : `linked to span ${link.spanId} of trace ${link.traceId}`;
    });
    const orphan = node.relation === 'root' && span.parentSpanId !== undefined ? [`parent ${span.parentSpanId} not received`] : [];
    const notes = [...links, ...orphan].map((note) => `  (${note})`).join('');
    const error = span.error === undefined ? '' : `  ERROR${span.error ? `: ${span.error}` : ''}`;
    const marker = node.relation === 'link' ? '↪ ' : '';
    rows.push([`+${milliseconds(span.startNs - tree.startNs)}`, milliseconds(span.endNs - span.startNs), `${'  '.repeat(depth)}${marker}${span.service}  ${span.name}  ${span.kind}${error}${notes}`]);
    for (const child of node.children) visit(child, depth + 1);
  };
  for (const root of tree.roots) visit(root, 0);
  const services = new Set(tree.spans.map((span) => span.service));
  const header = `trace ${tree.traceId}: ${tree.spans.length} spans from ${services.size} services (${[...services].sort().join(', ')}), ${milliseconds(tree.endNs - tree.startNs)}`;
  const startWidth = Math.max('start'.length, ...rows.map(([start]) => start.length));
  const durationWidth = Math.max('duration'.length, ...rows.map(([, duration]) => duration.length));
  const lines = [['start', 'duration', 'service  span  kind'] as const, ...rows].map(
    ([start, duration, span]) => `${start.padStart(startWidth)}  ${duration.padStart(durationWidth)}  ${span}`,
  );
  return `${header}\n${lines.join('\n')}\n`;
}
