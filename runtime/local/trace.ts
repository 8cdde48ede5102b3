import { readFile } from 'node:fs/promises';
import { DEFAULT_TRACES_FILE } from './otel-collector';
import { buildTraceTree, findTraceId, formatTraceTree, parseSpanLines } from './trace-tree';

/*
 * `npm run trace -- <request id or trace id>`: prints the span tree of one trace from the file the
 * local OpenTelemetry Collector writes (`npm start`: .local/otel/traces.jsonl; another with --file).
 * A request id is the gateway's `x-request-id` response header.
 */

const USAGE_ERROR = 2;

function usage(problem: string): never {
  process.stderr.write(
    `${problem}\nUsage: npm run trace -- [--file <traces.jsonl>] <request id | trace id>\n` +
      `  request id: the x-request-id header of a gateway response; trace id: 32 hex digits\n` +
      `  --file: the collector's OTLP-JSON lines (default ${DEFAULT_TRACES_FILE})\n`,
  );
  process.exit(USAGE_ERROR);
}

function parseArguments(args: readonly string[]): { file: string; query: string } {
  let file = DEFAULT_TRACES_FILE;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--file') {
      const value = args[++i];
      if (value === undefined || value === '') usage('--file needs a path.');
      file = value;
    } else if (arg.startsWith('-')) {
      usage(`Unknown option ${arg}.`);
    } else {
      positional.push(arg);
    }
  }
  const [query, ...rest] = positional;
  if (query === undefined) usage('Which trace? Give a request id or a trace id.');
  if (rest.length > 0) usage('Give exactly one request id or trace id.');
  return { file, query };
}

async function main(): Promise<void> {
  const { file, query } = parseArguments(process.argv.slice(2));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(`No spans file at ${file}: start the shop with npm start (it runs the OpenTelemetry Collector that writes it), then place an order.`);
  }
  const spans = parseSpanLines(text);
  const traceId = findTraceId(spans, query);
  if (traceId === undefined) {
    throw new Error(
      `No trace for ${query} among the ${spans.length} spans in ${file}. Place an order through the gateway and pass its x-request-id header; ` +
        `services send their spans every few seconds, so a request of a moment ago may not be there yet.`,
    );
  }
  process.stdout.write(formatTraceTree(buildTraceTree(spans, traceId)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
