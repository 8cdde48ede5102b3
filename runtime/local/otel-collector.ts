import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startChild, waitUntil } from './child-process';
import { buildGoBinary } from './go-build';
import { freePort } from './network';
import { silentProgress, type Progress } from './progress';
import { localCacheDir } from './workspace';

/** The OTLP/HTTP port the SDKs default to, which `npm start` takes when it is free. */
export const DEFAULT_OTLP_HTTP_PORT = 4318;

/** Where the collector of `npm start` on the default port writes, and where `npm run trace` looks first. */
export const DEFAULT_TRACES_FILE = join(localCacheDir, 'otel', 'traces.jsonl');

export interface OtelCollectorOptions {
  /** The file exporter writes here, one OTLP-JSON `ExportTraceServiceRequest` a line; emptied at start. */
  readonly tracesFile: string;
  /** The collector's configuration, generated from these options. */
  readonly configFile: string;
  readonly logFile: string;
  /** OTLP/HTTP port on 127.0.0.1; gRPC is off. @default a free port */
  readonly port?: number;
  readonly progress?: Progress;
}

export interface OtelCollectorHandle {
  /** `http://127.0.0.1:PORT`, the value of OTEL_EXPORTER_OTLP_ENDPOINT (the SDKs append `/v1/traces`). */
  readonly endpoint: string;
  readonly tracesFile: string;
  readonly pid: number;
  readonly logFile: string;
  /** SIGTERM: the collector drains its receiver and closes the file. */
  stop(): Promise<void>;
}

/**
 * The OpenTelemetry Collector (a distribution of the OTLP receiver and the file exporter, built with
 * Go from the Go module proxy into .local/) receiving the services' spans and writing them to a file
 * that `npm run trace` reads.
 */
export async function startOtelCollector(options: OtelCollectorOptions): Promise<OtelCollectorHandle> {
  const progress = options.progress ?? silentProgress;
  const binary = await buildGoBinary({ name: 'otel-collector', sourceFiles: ['go.mod', 'go.sum', 'main.go'], description: 'the OpenTelemetry Collector', progress });
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  await mkdir(dirname(options.configFile), { recursive: true });
  // JSON is YAML, and the collector's file provider reads YAML.
  await writeFile(options.configFile, `${JSON.stringify(collectorConfig(port, options.tracesFile), null, 2)}\n`);
  progress('otel-collector', `starting on ${endpoint}, spans to ${options.tracesFile}`);
  const child = await startChild({ name: 'otel-collector', command: binary, args: ['--config', options.configFile], logFile: options.logFile });
  try {
    await waitUntil(
      // The receiver starts after the pipeline behind it, so an answering receiver means spans are written.
      async () => (await fetch(`${endpoint}/v1/traces`)).status === 405,
      { description: `the OTLP receiver at ${endpoint}`, timeoutMs: 30_000, child },
    );
  } catch (error) {
    await child.stop();
    throw error;
  }
  progress('otel-collector', `ready at ${endpoint}`);
  return { endpoint, tracesFile: options.tracesFile, pid: child.pid, logFile: child.logFile, stop: () => child.stop() };
}

function collectorConfig(port: number, tracesFile: string): object {
  return {
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
    exporters: {
      file: {
        path: tracesFile,
        format: 'json',
        create_directory: true,
        // A developer runs `npm run trace` right after the request; the default second would often miss the last spans.
        flush_interval: '100ms',
      },
    },
    service: {
      pipelines: { traces: { receivers: ['otlp'], exporters: ['file'] } },
      // The collector's own metrics would listen on :8888, which a second collector (tests beside `npm start`) could not take.
      telemetry: { metrics: { level: 'none' } },
    },
  };
}
