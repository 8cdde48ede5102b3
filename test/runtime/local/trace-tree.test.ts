import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTraceTree, findTraceId, formatTraceTree, parseSpanLines, REQUEST_ID_ATTRIBUTE, type TraceNode, type TraceSpan } from '../../../runtime/local/trace-tree';
import { repoRoot } from '../../../runtime/local/workspace';
import { REQUEST_ID_ATTRIBUTE as SERVICES_REQUEST_ID_ATTRIBUTE } from '../../../runtime/shared/telemetry/request-tracing';

/*
 * On the real collector's output: trace-sample.jsonl was written by the collector of
 * runtime/local/otel-collector.ts from spans the OTLP/HTTP protobuf exporter sent it
 * (record-trace-sample.ts says what the three sample orders are).
 */

const SAMPLE = join(repoRoot, 'test/runtime/local/trace-sample.jsonl');
const sampleText = readFileSync(SAMPLE, 'utf8');
const spans = parseSpanLines(sampleText);

const traceOf = (requestId: string) => buildTraceTree(spans, findTraceId(spans, requestId)!);

/** Each node as `service name KIND` indented by depth, with `<relation>` unless it is a plain child. */
function outline(nodes: readonly TraceNode[], depth = 0): string[] {
  return nodes.flatMap((node) => [
    `${'  '.repeat(depth)}${node.span.service} ${node.span.name} ${node.span.kind}${node.relation === 'child' ? '' : ` <${node.relation}>`}`,
    ...outline(node.children, depth + 1),
  ]);
}

const ORDER_PATH = [
  'gateway POST /api/orders SERVER <root>',
  '  gateway POST CLIENT',
  '    orders POST /orders SERVER',
  '      orders GET CLIENT',
  '        users GET /users/:id SERVER',
  '      orders POST CLIENT',
  '        products POST /reservations SERVER',
  '      orders orders publish PRODUCER',
];

describe('parseSpanLines', () => {
  it('reads every span of the file with its service, kind, times, attributes, status and links', () => {
    expect(spans).toHaveLength(27);
    const request = spans.find((span) => span.attributes['shop.request_id'] === 'sample-order')!;
    expect(request).toMatchObject({ service: 'gateway', name: 'POST /api/orders', kind: 'SERVER', attributes: { 'http.request.method': 'POST' }, links: [] });
    expect(request.parentSpanId).toBeUndefined();
    expect(request.error).toBeUndefined();
    expect(request.endNs - request.startNs).toBe(48_500_000n);
    expect(request.traceId).toMatch(/^[0-9a-f]{32}$/);
    const failed = spans.filter((span) => span.error !== undefined);
    expect(failed.map((span) => [span.service, span.error])).toEqual(expect.arrayContaining([['products', 'insufficient stock']]));
    expect(failed).toHaveLength(4);
    const linked = spans.filter((span) => span.links.length > 0);
    expect(linked.map((span) => span.kind)).toEqual(['CONSUMER']);
  });

  it('leaves out a last line the collector has not finished writing', () => {
    const [first, second] = sampleText.split('\n');
    expect(parseSpanLines(`${first}\n${second!.slice(0, 40)}`)).toEqual(parseSpanLines(`${first}\n`));
  });

  it('names the line that is not an OTLP-JSON trace export', () => {
    const [first] = sampleText.split('\n');
    expect(() => parseSpanLines(`${first}\n{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":1}]}]}]}\n`)).toThrow(/^line 2 is not an OTLP-JSON trace export/);
    expect(() => parseSpanLines(`${first}\nnot json\n`)).toThrow(/^line 2 is not JSON/);
  });
});

describe('findTraceId', () => {
  it("finds a trace by the gateway's request id and by its trace id, in any case", () => {
    const traceId = findTraceId(spans, 'sample-order')!;
    expect(spans.filter((span) => span.traceId === traceId)).toHaveLength(10);
    expect(findTraceId(spans, traceId.toUpperCase())).toBe(traceId);
    expect(findTraceId(spans, 'sample-linked')).not.toBe(traceId);
  });

  it('looks for the request id in the attribute the services set', () => {
    expect(REQUEST_ID_ATTRIBUTE).toBe(SERVICES_REQUEST_ID_ATTRIBUTE);
  });

  it('takes the latest request that started a trace when a request id was sent twice', () => {
    const first = spans.filter((span) => span.traceId === findTraceId(spans, 'sample-order'));
    const again = spans
      .filter((span) => span.traceId === findTraceId(spans, 'sample-failed'))
      .map((span) => ({ ...span, attributes: span.attributes['shop.request_id'] ? { 'shop.request_id': 'sample-order' } : span.attributes }));
    // The failed order started 2 s after the first one.
    expect(findTraceId([...again, ...first], 'sample-order')).toBe(findTraceId(spans, 'sample-failed'));
    expect(findTraceId([...first, ...again], 'sample-order')).toBe(findTraceId(spans, 'sample-failed'));
  });

  it('finds nothing for an unknown request id or trace id', () => {
    expect(findTraceId(spans, 'no-such-request')).toBeUndefined();
    expect(findTraceId(spans, '0123456789abcdef0123456789abcdef')).toBeUndefined();
  });
});

describe('buildTraceTree', () => {
  it('hangs each span under its parent, ordered by start: one tree from the gateway to the mail', () => {
    const tree = traceOf('sample-order');
    expect(outline(tree.roots)).toEqual([...ORDER_PATH, '        notifications orders process CONSUMER', '          notifications notification send CLIENT']);
    expect(tree.endNs - tree.startNs).toBe(190_000_000n);
  });

  it('brings in a consumer span of another trace that links to a span of this one, with its children, under the linked span', () => {
    const tree = traceOf('sample-linked');
    expect(outline(tree.roots)).toEqual([...ORDER_PATH, '        notifications orders process CONSUMER <link>', '          notifications notification send CLIENT']);
    const consumer = tree.spans.find((span) => span.kind === 'CONSUMER')!;
    expect(consumer.traceId).not.toBe(tree.traceId);
  });

  it('keeps a span whose parent never arrived as a root', () => {
    const traceId = findTraceId(spans, 'sample-order')!;
    const withoutGatewayCall = spans.filter((span: TraceSpan) => !(span.service === 'gateway' && span.kind === 'CLIENT' && span.traceId === traceId));
    const roots = buildTraceTree(withoutGatewayCall, traceId).roots.map((root) => `${root.span.service} ${root.span.name}`);
    expect(roots).toEqual(['gateway POST /api/orders', 'orders POST /orders']);
  });
});

describe('formatTraceTree', () => {
  it('prints start offset, duration, indentation by parent, service, name and kind, links and errors', () => {
    const order = formatTraceTree(traceOf('sample-linked')).split('\n');
    expect(order[0]).toMatch(/^trace [0-9a-f]{32}: 10 spans from 5 services \(gateway, notifications, orders, products, users\), 190\.0 ms$/);
    expect(order).toContain('  +0.0 ms   48.5 ms  gateway  POST /api/orders  SERVER');
    expect(order).toContain('  +4.0 ms    4.0 ms          users  GET /users/:id  SERVER');
    expect(order).toContain('+140.0 ms   50.0 ms          ↪ notifications  orders process  CONSUMER  (linked to orders "orders publish")');

    const failed = formatTraceTree(traceOf('sample-failed'));
    expect(failed).toContain('+11.0 ms   18.0 ms          products  POST /reservations  SERVER  ERROR: insufficient stock');
    expect(failed).not.toContain('PRODUCER');
  });
});

describe('npm run trace', () => {
  const traceCommand = (args: readonly string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', join(repoRoot, 'runtime/local/trace.ts'), ...args], { cwd: repoRoot }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

  it("prints the tree of a request's trace from the file", async () => {
    const { code, stdout } = await traceCommand(['--file', SAMPLE, 'sample-order']);
    expect(code).toBe(0);
    expect(stdout).toBe(formatTraceTree(traceOf('sample-order')));
  });

  it.each([
    ['no id', []],
    ['two ids', ['a', 'b']],
    ['an unknown option', ['--since', '5m', 'a']],
    ['--file without a path', ['--file']],
  ])('exits 2 with the usage for %s', async (_case, args) => {
    const { code, stdout, stderr } = await traceCommand(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: npm run trace -- [--file <traces.jsonl>] <request id | trace id>');
  });

  it('exits 1 saying what to do when the file or the trace is missing', async () => {
    const noFile = await traceCommand(['--file', join(repoRoot, '.local/no-such-dir/traces.jsonl'), 'sample-order']);
    expect(noFile).toMatchObject({ code: 1, stdout: '' });
    expect(noFile.stderr).toContain('start the shop with npm start');
    const noTrace = await traceCommand(['--file', SAMPLE, 'no-such-request']);
    expect(noTrace).toMatchObject({ code: 1, stdout: '' });
    expect(noTrace.stderr).toContain('No trace for no-such-request among the 27 spans');
    expect(noTrace.stderr).toContain('Place an order through the gateway');
  });
});
